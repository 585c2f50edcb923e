"""Progress of long work: the library names each step it takes; whoever called it decides what to show.

A step is reported to the listener installed with ``reporting(listener)`` for the current context
(the CLI installs one that draws on standard error, a notebook may pass its own through the API's
``progress=``); with none installed a step costs one context-variable look-up and says nothing.
Steps are marked where the work is (``@stepped(...)`` on a function, or ``with step(...)``), so
every command that reaches that work reports it without passing a callback down each call."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, TypeVar


@dataclass(frozen=True)
class Event:
    """One thing that happened to a step: it started, it advanced (``done`` of ``total`` units, e.g.
    bytes read), or it ended (``seconds`` it took; ``ok`` False when it raised)."""

    kind: Literal["start", "advance", "end"]
    title: str
    depth: int  # 0 for a step no other step holds
    done: int = 0
    total: int | None = None
    seconds: float = 0.0
    ok: bool = True


Listener = Callable[[Event], None]

_listener: ContextVar[Listener | None] = ContextVar("prc_kg_progress_listener", default=None)
_depth: ContextVar[int] = ContextVar("prc_kg_progress_depth", default=0)


@contextmanager
def reporting(listener: Listener | None) -> Iterator[None]:
    """Send the steps taken inside this block to ``listener`` (None: to nobody)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def _ignore(count: int = 1) -> None:
    """What ``step`` yields when nobody listens: advancing costs nothing."""


@contextmanager
def step(title: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A step of the work; yields ``advance(count)`` for steps that know their ``total`` (bytes,
    files). The end is reported however the block is left, with ``ok`` False on an exception."""
    listener = _listener.get()
    if listener is None:
        yield _ignore
        return
    depth = _depth.get()
    done = 0

    def advance(count: int = 1) -> None:
        nonlocal done
        done += count
        listener(Event("advance", title, depth, done, total))

    listener(Event("start", title, depth, 0, total))
    token = _depth.set(depth + 1)
    start, ok = time.perf_counter(), False
    try:
        yield advance
        ok = True
    finally:
        _depth.reset(token)
        listener(Event("end", title, depth, done, total, time.perf_counter() - start, ok))


F = TypeVar("F", bound=Callable)


def stepped(title: str | Callable[..., str]) -> Callable[[F], F]:
    """Mark a function as a step: ``title`` is its text, or a function of the call's arguments that
    gives it (``lambda gate, inputs: gate.name``)."""
    def mark(func: F) -> F:
        @functools.wraps(func)
        def run(*args, **kwargs):
            if _listener.get() is None:
                return func(*args, **kwargs)
            with step(title(*args, **kwargs) if callable(title) else title):
                return func(*args, **kwargs)
        return run  # type: ignore[return-value]
    return mark

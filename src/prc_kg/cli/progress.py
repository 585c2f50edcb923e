"""The steps of long work drawn on standard error, never on standard output (where JSON, CSV and the
tables go), and nothing at all with ``--quiet``.

On a terminal each step is a rich spinner line with the time so far (a bar when the step knows its
size, e.g. the bytes of an import) that gives way to ``✓ step  2.3 s`` when it ends. Into a file or
a pipe (a CI log, ``make demo``'s build/log/) a step is two plain lines: ``prc-kg: step …`` when it
starts and ``prc-kg: step: 2.3 s`` when it ends, so a log shows where the time went and where a run
stopped. A step inside another (the QC queries inside the release's QC gate) is part of it: on a
terminal it shows, indented, while it runs; in a log only the outermost steps are written."""

from __future__ import annotations

import sys
from typing import TextIO

from ..progress import Event


class StderrSteps:
    """A progress listener (``prc_kg.progress.reporting``) that draws on ``stream`` (standard error)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.live = self.stream.isatty()
        except (AttributeError, ValueError):
            self.live = False
        self._bars = None
        self._tasks: dict[tuple[int, str], int] = {}

    def __call__(self, event: Event) -> None:
        if self.live:
            self._draw(event)
        elif event.depth > 0:
            return
        elif event.kind == "start":
            print(f"prc-kg: {event.title} …", file=self.stream, flush=True)
        elif event.kind == "end":
            said = f"{event.seconds:.1f} s" if event.ok else f"stopped after {event.seconds:.1f} s"
            print(f"prc-kg: {event.title}: {said}", file=self.stream, flush=True)

    def _draw(self, event: Event) -> None:
        from rich.text import Text

        bars = self._bars or self._start()
        key = (event.depth, event.title)
        if event.kind == "start":
            self._tasks[key] = bars.add_task("  " * event.depth + event.title, total=event.total)
            return
        task = self._tasks.get(key)
        if task is None:
            return
        if event.kind == "advance":
            bars.update(task, completed=event.done)
            return
        bars.remove_task(task)
        del self._tasks[key]
        if event.depth == 0:
            mark = "✓" if event.ok else "✗"
            bars.console.print(Text(f"{mark} {event.title}  ") + Text(f"{event.seconds:.1f} s", style="dim"))
        if not self._tasks:
            self.close()

    def _start(self):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        # markup off: a step's title may hold a file name with [brackets]; stdout is never redirected,
        # so a command's own output cannot end up on standard error
        self._bars = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                              TimeElapsedColumn(), console=Console(file=self.stream), transient=True,
                              redirect_stdout=False, redirect_stderr=False)
        self._bars.start()
        return self._bars

    def close(self) -> None:
        """Stop drawing (when the last step ends, or when the command stops)."""
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
            self._tasks.clear()


def listener_for(quiet: bool) -> StderrSteps | None:
    """The listener a command runs with: none with ``--quiet``."""
    return None if quiet else StderrSteps()

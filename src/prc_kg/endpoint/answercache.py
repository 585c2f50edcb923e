"""The endpoint's answer cache: serialised answers of the read-only store, kept by query text.

The store the endpoint serves does not change while it runs (`prc-kg load` replaces it whole, which
the store watch sees as a new generation), so the same query asked for the same media type has the
same answer: kept here, it is sent again without a query process, a query slot or the engine. Most
traffic repeats itself (the query page's library, term pages, a dashboard polling its query), and
a repeat then costs what parsing the request costs. Bounded in bytes (least recently used out first);
an answer larger than an eighth of the cache is not kept. A query that calls a function whose value
changes from one run to the next (RAND, NOW, UUID, STRUUID, BNODE) is never kept; the check is on the
text, so a string that merely contains "now(" only costs the cache a miss."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace

from .queryprocess import Answer

_VOLATILE = re.compile(r"(?i)(?:rand|now|uuid|struuid|bnode)\s*\(")
Key = tuple[int, str, str | None, str | None, bool]


def cacheable(query: str) -> bool:
    """Whether the answer to ``query`` is the same every time it runs on an unchanged store."""
    return _VOLATILE.search(query) is None


class AnswerCache:
    """Answers by (store generation, query text, SELECT media, graph media, keyword check), at most
    ``max_bytes`` of them; safe to share between the server's threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.hits = self.misses = 0  # for tests and reports
        self._entries: OrderedDict[Key, Answer] = OrderedDict()
        self._size = 0
        self._generation = 0
        self._lock = threading.Lock()

    @staticmethod
    def _cost(key: Key, answer: Answer) -> int:
        return len(answer.body) + len(key[1]) + 200  # the query text is kept too; 200: the entry itself

    def get(self, key: Key) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Key, answer: Answer) -> None:
        """Keep an "ok" answer; entries of an older store generation are dropped on the first put of a newer."""
        if answer.status != "ok":
            return
        cost = self._cost(key, answer)
        if cost > self.max_bytes // 8:
            return
        with self._lock:
            if key[0] != self._generation:
                if key[0] < self._generation:  # computed on a store that has since been replaced
                    return
                self._entries.clear()
                self._size, self._generation = 0, key[0]
            if key in self._entries:
                return
            self._entries[key] = replace(answer, retire=False)
            self._size += cost
            while self._size > self.max_bytes:
                old_key, old = self._entries.popitem(last=False)
                self._size -= self._cost(old_key, old)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


__all__ = ["AnswerCache", "cacheable"]

"""A sorted set of distinct keys, cheap to change at any size: what keeps each queue in order as jobs arrive.

The keys live in sorted chunks of a few hundred (the layout of the ``sortedcontainers`` package, written again in a
few lines rather than added as a dependency for four operations). Adding or removing a key bisects the chunks'
maxima, then one chunk, and moves at most one chunk's items: O(log n) comparisons plus a bounded copy, where one
sorted list would move half the queue on every arrival at 64k jobs. A key's rank adds up the lengths of the chunks
before it (n / 512 additions, a few microseconds at 64k).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any, Generic, Iterator, List, TypeVar

K = TypeVar("K", bound=Any)  # comparable, hashable keys (tuples here)

_LOAD = 512  # a chunk is split past twice this many keys


class SortedKeys(Generic[K]):
    __slots__ = ("_chunks", "_maxes", "_len")

    def __init__(self) -> None:
        self._chunks: List[List[K]] = []
        self._maxes: List[K] = []  # the last key of each chunk
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[K]:
        for chunk in self._chunks:
            yield from chunk

    def add(self, key: K) -> None:
        """Insert ``key`` (which must not be there yet)."""
        chunks, maxes = self._chunks, self._maxes
        self._len += 1
        if not chunks:
            chunks.append([key])
            maxes.append(key)
            return
        i = bisect_left(maxes, key)
        if i == len(maxes):  # past every key: the end of the last chunk (the common case, arrivals in order)
            i -= 1
            chunks[i].append(key)
            maxes[i] = key
        else:
            insort(chunks[i], key)
        if len(chunks[i]) > 2 * _LOAD:
            chunk = chunks[i]
            chunks[i : i + 1] = [chunk[:_LOAD], chunk[_LOAD:]]
            maxes[i : i + 1] = [chunk[_LOAD - 1], chunk[-1]]

    def remove(self, key: K) -> None:
        """Take ``key`` out; KeyError when it is not there."""
        chunks, maxes = self._chunks, self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            raise KeyError(key)
        chunk = chunks[i]
        j = bisect_left(chunk, key)
        if chunk[j] != key:
            raise KeyError(key)
        del chunk[j]
        self._len -= 1
        if not chunk:
            del chunks[i], maxes[i]
        elif j == len(chunk):
            maxes[i] = chunk[-1]

    def rank(self, key: K) -> int:
        """How many keys sort before ``key`` (whether or not it is there)."""
        i = bisect_left(self._maxes, key)
        before = sum(len(chunk) for chunk in self._chunks[:i])
        return before if i == len(self._chunks) else before + bisect_left(self._chunks[i], key)

    def first_at_or_after(self, key: K) -> K | None:
        """The smallest key not below ``key`` (None when there is none)."""
        i = bisect_left(self._maxes, key)
        if i == len(self._chunks):
            return None
        chunk = self._chunks[i]
        return chunk[bisect_left(chunk, key)]

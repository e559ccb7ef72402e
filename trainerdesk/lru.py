"""A small thread-safe least-recently-used map: the slot grids' cache and the fast path's answers.

``functools.lru_cache`` memoises a function; these caches are filled by one caller and read by
another (the endpoint remembers, the ASGI layer replays), so they need a map.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Optional, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, size: int):
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()  # requests read and write from the thread pool and the event loop
        self._size = size

    def get(self, key: K) -> Optional[V]:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

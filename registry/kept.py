"""What a process keeps between requests: a bounded map of things built once per key (a data
version with what else they depend on), the least recently used dropped first. Keys must
name everything the kept value depends on; nothing here ever expires on its own."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most `size` values by key, per process."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        """The value kept under `key` (now the most recently used), or None."""
        found = self._values.get(key)
        if found is not None:
            self._values.move_to_end(key)
        return found

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` under `key`, dropping the least recently used beyond the size."""
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)
        return value

    def build(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept under `key`, made (and kept) if there is none."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)

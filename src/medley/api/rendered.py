"""Answers rendered once per object: a connector hands out the same list for as long as its reference snapshot
lasts, so the JSON of that list is rendered once, not on every read (``bench/read_path.py``)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


class RenderedOnce(Generic[T]):
    """JSON of recently seen values, kept by the value's identity (and the value itself, so an identity can
    never be reused by another object while its entry lives)."""

    def __init__(self, adapter: TypeAdapter[T], size: int = 64) -> None:
        self._adapter = adapter
        self._size = size
        self._kept: OrderedDict[int, tuple[Any, bytes]] = OrderedDict()

    def json(self, value: T) -> bytes:
        kept = self._kept.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        body = self._adapter.dump_json(value, by_alias=True)
        self._kept[id(value)] = (value, body)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return body

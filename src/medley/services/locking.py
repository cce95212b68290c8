"""The lock the services take around check-then-write sequences; it holds across replicas."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class LockFactory(Protocol):
    def __call__(self, key: str) -> AbstractAsyncContextManager[None]: ...

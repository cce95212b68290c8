"""Small ASGI helpers the emulators' gates share: the path below a mount, trailing slashes, extra headers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Scope, Send


def route_path(scope: Scope) -> str:
    """The request path below the mount prefix (``root_path``), e.g. ``/v1/patients``."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def with_path(scope: Scope, path: str) -> Scope:
    """The same request under another (full) path, ``raw_path`` kept in step."""
    return {**scope, "path": path, "raw_path": path.encode()}


def without_trailing_slash(scope: Scope, route: str) -> Scope:
    """``/v1/patients/`` routed as ``/v1/patients`` (``route`` is the path below the mount)."""
    if len(route) <= 1 or not route.endswith("/"):
        return scope
    trimmed = scope["path"].rstrip("/")
    raw_path: bytes | None = scope.get("raw_path")
    return {**scope, "path": trimmed, "raw_path": raw_path.rstrip(b"/") if raw_path else trimmed.encode()}


def adding_headers(send: Send, extra: dict[str, str]) -> Send:
    """A ``send`` that adds ``extra`` headers to the response's start message."""
    if not extra:
        return send

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                headers[name] = value
        await send(message)

    return send_with_headers

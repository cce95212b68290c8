"""Small ASGI helpers the emulators' gates share: a gate over one API prefix, the path below a mount, trailing
slashes, extra headers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PrefixGate:
    """An ASGI middleware over the HTTP requests under one path prefix (an emulator's ``/v1``): those go
    to `guard`; everything else (other paths, lifespan) passes through untouched."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = route_path(scope)
            if path == self.prefix or path.startswith(self.prefix + "/"):
                await self.guard(path, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def guard(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Check a request under the prefix (``path`` is below the mount) and pass it on to ``self.app``, or answer."""
        raise NotImplementedError


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

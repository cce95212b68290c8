"""Absolute links, built from the request so they work mounted under a prefix and in-process."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request


class Urls:
    """Links under one emulator root, e.g. ``http://127.0.0.1:8001`` or ``http://host/sandbox/cliniko``."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    @classmethod
    def for_request(cls, request: Request) -> Urls:
        # Starlette's request.base_url is the outermost app's; the mount prefix is in root_path.
        url = request.url
        return cls(f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}")

    def current(self, request: Request) -> str:
        """The request's own URL (query included) under this root."""
        query = request.url.query
        return f"{self.root}{route_path(request)}" + (f"?{query}" if query else "")

    def api(self, path: str) -> str:
        return f"{self.root}/v1/{path.lstrip('/')}"

    def self_links(self, path: str) -> dict[str, str]:
        return {"self": self.api(path)}

    def relation(self, path: str) -> dict[str, Any]:
        """Cliniko's shape for a related record: ``{"links": {"self": url}}``."""
        return {"links": {"self": self.api(path)}}

    def record(self, collection: str, record_id: int) -> dict[str, Any]:
        return self.relation(f"{collection}/{record_id}")

    def optional_record(self, collection: str, record_id: int | None) -> dict[str, Any] | None:
        return None if record_id is None else self.record(collection, record_id)


def route_path(request: Request) -> str:
    """The request path below the mount prefix, e.g. ``/v1/patients``."""
    path: str = request.scope["path"]
    root_path: str = request.scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path

"""A tiny scriptable stand-in for Cliniko (and S3), for the fault paths the real emulator does not fake.

Each test queues the answers a route should give, in order (the last one repeats), and reads back
what was asked. It is served in-process (``httpx.ASGITransport``) or over a real socket (uvicorn) when
a test needs real timeouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Answer = Callable[[Request], Awaitable[Response]]


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeUpstream:
    """Routes answer from a queue per ``"METHOD /path"``; unknown routes get Cliniko's HTML 404."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.answers[f"{method} {path}"] = list(answers)

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    @property
    def app(self) -> Starlette:
        async def dispatch(request: Request) -> Response:
            body = await request.body()
            self.seen.append(Seen(request.method, request.url.path, request.url.query, dict(request.headers), body))
            queue = self.answers.get(f"{request.method} {request.url.path}")
            if not queue:
                return html_not_found()
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            return await answer(request)

        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", dispatch, methods=methods)])

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)


def html_not_found() -> Response:
    page = "<!DOCTYPE html><html><body><h1>The page you’re looking for doesn’t exist.</h1></body></html>"
    return Response(page, status_code=404, media_type="text/html")


def reply(status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None, delay: float = 0.0) -> Answer:
    async def answer(_: Request) -> Response:
        if delay:
            await asyncio.sleep(delay)
        if body is None:
            return Response(status_code=status, headers=headers)
        if isinstance(body, str):
            return Response(body, status_code=status, headers=headers, media_type="text/plain")
        return JSONResponse(body, status_code=status, headers=headers)

    return answer


def html(status: int) -> Answer:
    async def answer(_: Request) -> Response:
        return Response("<html><body>Oops</body></html>", status_code=status, media_type="text/html")

    return answer

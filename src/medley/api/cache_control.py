"""``Cache-Control: no-store`` on every answer that may carry patient data or clinical content.

The rule is deliberately coarse, so that no route can forget it: every response under the API prefixes, and
every problem document wherever it comes from (a problem may quote an id or an EHR's message). Browsers,
proxies and CDNs then keep none of it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = b"no-store"
PRIVATE_PREFIXES = ("/api", "/mcp")
_PROBLEM = b"application/problem+json"


def _is_private(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES)


class NoStoreMiddleware:
    """Sets ``Cache-Control: no-store`` (replacing any other value) on private answers and on problems."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = _is_private(str(scope.get("path", "")))

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                problem = any(k == b"content-type" and v.startswith(_PROBLEM) for k, v in headers)
                if private or problem:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", NO_STORE))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_no_store)

"""``/mcp``: the MCP server over streamable HTTP in the gateway's own app and lifespan.

Stateless and JSON-response mode, so that any replica answers any call (no session to find again). Every request
is authenticated before the SDK sees it, with the REST API's own code and headers: voice platforms send fixed
headers. The hosts the endpoint answers are a setting (the SDK's DNS-rebinding protection).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from medley.agents.calls import CALLER_STATE
from medley.agents.server import MCP_PATH, build_server
from medley.api.problem import problem_response
from medley.config import Settings
from medley.domain.errors import MedleyError
from medley.services.authentication import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER, authenticate_caller


def transport_security(settings: Settings) -> TransportSecuritySettings:
    hosts = settings.mcp_allowed_host_list
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    if settings.public_url:
        hosts.append(urlsplit(settings.public_url).netloc)
    # "name:*" means any port; a Host header without a port (80, 443) is that name alone.
    allowed = list(dict.fromkeys([*hosts, *(h.removesuffix(":*") for h in hosts if h.endswith(":*"))]))
    origins = [f"{scheme}://{host}" for host in allowed for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=allowed, allowed_origins=origins
    )


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``; ``run()`` belongs in the app's lifespan (the SDK's task group)."""

    def __init__(self, settings: Settings, server: MCPServer[Any] | None = None) -> None:
        self.server = server or build_server()
        # Builds the SDK's session manager; its own Starlette app is not used: we route to the manager directly.
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            json_response=True,
            stateless_http=True,
            transport_security=transport_security(settings),
            max_request_body_size=min(settings.request_max_bytes, 1024 * 1024),
        )
        self._sessions = self.server.session_manager

    def run(self) -> AbstractAsyncContextManager[None]:
        return self._sessions.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            caller = await authenticate_caller(
                request.app.state.runtime,
                request.headers.get(CLIENT_ID_HEADER),
                request.headers.get(CLIENT_SECRET_HEADER),
                request.client.host if request.client else "unknown",
            )
        except MedleyError as error:
            await problem_response(request, error)(scope, receive, send)
            return
        # The tools read the caller from the request's state (the SDK hands them the same request).
        setattr(request.state, CALLER_STATE, caller)
        await self._sessions.handle_request(scope, receive, send)


def install_mcp(app: FastAPI, settings: Settings) -> McpEndpoint:
    endpoint = McpEndpoint(settings)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint, include_in_schema=False))
    return endpoint

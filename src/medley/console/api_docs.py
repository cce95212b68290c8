"""Offline API reference: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, served from the locally installed
``fastapi-offline`` distribution files, never from a CDN. In sandbox mode Swagger UI is pre-authorised
with the sandbox application, so "Try it out" works at once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from medley.config import Settings
from medley.console.pages import sandbox_credentials
from medley.console.templating import DOCS_CSP, PageTemplate, page_response

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
VENDOR_PATH = "/docs/vendor"
DOCS_STATIC_PATH = "/docs/static"
# The package that ships swagger-ui-bundle.js, swagger-ui.css and redoc.standalone.js in its ``static`` folder.
VENDOR_PACKAGE = "fastapi_offline"
REDOC_BUNDLE = "redoc.standalone.js"
# ReDoc's side menu shows Redocly's logo from their CDN, with no option to turn it off: the bundle we serve
# points it at a local image instead, so the page makes no request outside this server.
_REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_LOCAL_LOGO = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E"


@cache
def offline_redoc_bundle() -> bytes:
    bundle = (resources.files(VENDOR_PACKAGE) / "static" / REDOC_BUNDLE).read_bytes()
    return bundle.replace(_REDOC_CDN_LOGO, _LOCAL_LOGO)


def security_presets(openapi: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """Security scheme name -> value, for the API-key header schemes whose header we hold a value for."""
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    return {
        name: headers[scheme["name"]]
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name") in headers
    }


def _drop_default_pages(app: FastAPI) -> None:
    # FastAPI's own pages load their assets from a CDN; ours replace them when the app was built with them.
    taken = {DOCS_PATH, REDOC_PATH, app.swagger_ui_oauth2_redirect_url}
    app.router.routes[:] = [
        route for route in app.router.routes
        if isinstance(route, APIRoute) or not (isinstance(route, Route) and route.path in taken)
    ]


def install_api_docs(app: FastAPI, settings: Settings) -> None:
    """``GET /docs``, ``GET /redoc`` and their static assets."""
    _drop_default_pages(app)
    swagger = PageTemplate("swagger.html")
    redoc = PageTemplate("redoc.html")

    # Registered before the vendor mount, which would otherwise serve the unpatched file.
    @app.get(f"{VENDOR_PATH}/{REDOC_BUNDLE}", include_in_schema=False)
    async def redoc_bundle() -> Response:
        return Response(offline_redoc_bundle(), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})

    app.mount(VENDOR_PATH, StaticFiles(packages=[(VENDOR_PACKAGE, "static")]), name="docs-vendor")
    app.mount(DOCS_STATIC_PATH, StaticFiles(packages=[("medley.console", "docs_static")]), name="docs-static")

    def config(request: Request, *, authorize: bool) -> dict[str, Any]:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        presets = security_presets(app.openapi(), sandbox_credentials(settings)) if authorize else {}
        return {"openapiUrl": root + (app.openapi_url or "/openapi.json"), "authorize": presets}

    def text(request: Request) -> dict[str, str]:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return {"title": app.title, "vendor": root + VENDOR_PATH, "static": root + DOCS_STATIC_PATH}

    @app.get(DOCS_PATH, include_in_schema=False, response_class=HTMLResponse)
    async def swagger_ui(request: Request) -> HTMLResponse:
        page = swagger.render(text=text(request), config=config(request, authorize=settings.sandbox))
        return page_response(page, DOCS_CSP)

    @app.get(REDOC_PATH, include_in_schema=False, response_class=HTMLResponse)
    async def redoc_ui(request: Request) -> HTMLResponse:
        page = redoc.render(text=text(request), config=config(request, authorize=False))
        return page_response(page, DOCS_CSP)

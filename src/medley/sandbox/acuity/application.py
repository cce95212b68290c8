"""The emulator's ASGI app: ``/api/v1`` behind the gate, Acuity's error shape everywhere.

It needs no lifespan of its own (a mounted app's lifespan never runs): whoever owns the
``AcuitySandbox`` starts and stops it.
"""

from __future__ import annotations

from fastapi import FastAPI

from medley.sandbox.acuity.context import AcuityContext
from medley.sandbox.acuity.errors import API_PREFIX, install_error_handlers
from medley.sandbox.acuity.gate import ApiGate
from medley.sandbox.acuity.routes import (
    account,
    appointment_types,
    appointments,
    availability,
    blocks,
    calendars,
    clients,
    webhooks,
)

_RESOURCES = (account, calendars, appointment_types, availability, appointments, clients, blocks, webhooks)


def create_emulator_app(context: AcuityContext) -> FastAPI:
    # No OpenAPI pages: every unknown path must be Acuity's JSON 404.
    app = FastAPI(title="Medley Acuity emulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.acuity_context = context
    install_error_handlers(app)
    for resource in _RESOURCES:
        app.include_router(resource.router, prefix=API_PREFIX)
    app.add_middleware(ApiGate, context=context)
    return app

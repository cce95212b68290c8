"""The emulator's ASGI app: ``/v1`` behind the gate, the fake S3 bucket, the sandbox-only ``/control`` routes,
Cliniko's error pages.

It needs no lifespan of its own (a mounted app's lifespan never runs): whoever owns the
``ClinikoSandbox`` starts and stops it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from medley.sandbox.cliniko import control, fake_s3
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.errors import install_error_handlers
from medley.sandbox.cliniko.gate import API_PREFIX, ApiGate
from medley.sandbox.cliniko.routes import (
    account,
    appointment_types,
    appointments,
    attachments,
    attendees,
    availability,
    bookings,
    businesses,
    group_appointments,
    patients,
    practitioners,
    treatment_notes,
    unavailable_blocks,
)
from medley.sandbox.cliniko.s3_policy import MAX_UPLOAD_BYTES

_BODY_OVERHEAD_BYTES = 1024 * 1024
_RESOURCES = (
    account,
    businesses,
    practitioners,
    appointment_types,
    availability,
    unavailable_blocks,
    appointments,
    group_appointments,
    attendees,
    bookings,
    patients,
    treatment_notes,
    attachments,
)


def resource_routers() -> list[APIRouter]:
    """The ``/v1`` routers, one per Cliniko resource (the OpenAPI conformance test walks them)."""
    return [resource.router for resource in _RESOURCES]


def create_emulator_app(context: SandboxContext) -> FastAPI:
    # No OpenAPI pages: Cliniko has none, and every unknown path must be Rails' HTML 404.
    app = FastAPI(
        title="Medley Cliniko emulator",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # Room for the largest upload S3 would take plus its form fields; bodies beyond are cut off.
        max_body_size=MAX_UPLOAD_BYTES + _BODY_OVERHEAD_BYTES,
    )
    app.state.sandbox_context = context
    install_error_handlers(app)
    for router in resource_routers():
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(fake_s3.router)
    app.include_router(control.router)  # sandbox-only, outside /v1: not part of Cliniko's API
    app.add_middleware(ApiGate, context=context)
    return app

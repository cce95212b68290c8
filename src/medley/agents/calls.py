"""One tool call: who is calling (authenticated by the endpoint, as every REST request is), the request's budget
lane and deadline, errors as clear tool errors, and what the audit record says of it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError
from starlette.requests import Request

from medley.connectors.lanes import Lane, current_lane, request_deadline
from medley.domain.errors import MedleyError
from medley.services.authentication import Caller
from medley.services.runtime import Runtime

# Where the endpoint leaves the authenticated caller for the tools (the HTTP request's state).
CALLER_STATE = "mcp_caller"


@dataclass(slots=True)
class CallOutcome:
    """What the audit record of one tool call says: the status its REST twin would have had, and record ids."""

    status: int = 200
    record_ids: list[str] = field(default_factory=list)


current_outcome: ContextVar[CallOutcome | None] = ContextVar("medley_mcp_outcome", default=None)


@dataclass(frozen=True, slots=True)
class ToolCall:
    runtime: Runtime
    caller: Caller
    request: Request
    name: str

    @property
    def application_id(self) -> str:
        return self.caller.application.id

    def touched(self, *record_ids: str | None) -> None:
        outcome = current_outcome.get()
        if outcome is not None:
            outcome.record_ids.extend(r for r in record_ids if r)


def _request_of(ctx: Context[Any, Any]) -> Request:
    request = ctx.request_context.request
    if not isinstance(request, Request):
        raise ToolError("These tools are served over HTTP only.")
    return request


def _fail(outcome: CallOutcome | None, status: int, message: str) -> ToolError:
    if outcome is not None:
        outcome.status = status
    return ToolError(message)


def error_text(error: MedleyError) -> str:
    """The detail and its contract code, e.g. "No free timeslot ... [NO_TIMESLOTS_AVAILABLE]"."""
    codes = ", ".join(dict.fromkeys(str(e.error_code) for e in error.errors)) or error.code.value
    retry = error.headers.get("Retry-After")
    return f"{error.detail} [{codes}]" + (f" Retry after {retry} s." if retry else "")


def validation_text(error: ValidationError) -> str:
    # Field names and messages only: the rejected values are the caller's (maybe a patient's) data.
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()[:5]]
    return "Invalid input: " + "; ".join(parts) + " [BAD_INPUT]"


@asynccontextmanager
async def tool_call(ctx: Context[Any, Any], name: str, *, write: bool = False) -> AsyncIterator[ToolCall]:
    """The scope of one tool's work: Medley's errors leave it as tool errors the model can read and act on."""
    request = _request_of(ctx)
    caller = getattr(request.state, CALLER_STATE, None)
    if not isinstance(caller, Caller):
        raise ToolError("Not authenticated: send the x-leyr-client-id and x-leyr-client-secret headers.")
    runtime: Runtime = request.app.state.runtime
    # As ``api/upstream_context``: writes draw on the reserved share of the EHR's budget, all under one deadline.
    current_lane.set(Lane.write if write else Lane.read)
    request_deadline.set(time.monotonic() + runtime.settings.request_deadline_seconds)
    outcome = current_outcome.get()
    try:
        yield ToolCall(runtime, caller, request, name)
    except MedleyError as error:
        raise _fail(outcome, error.status or 500, error_text(error)) from None
    except ValidationError as error:
        raise _fail(outcome, 400, validation_text(error)) from None
    except ToolError:
        if outcome is not None and outcome.status < 400:
            outcome.status = 400
        raise

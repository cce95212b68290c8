"""The MCP server: the eight intent tools with their annotations, and one audit record per tool call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata, func_metadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import ValidationError
from starlette.requests import Request

from medley import __version__
from medley.agents import reading, writing
from medley.agents.calls import CALLER_STATE, CallOutcome, current_outcome, validation_text
from medley.services.authentication import Caller
from medley.services.runtime import Runtime
from medley.store.audit import AuditEvent

MCP_PATH = "/mcp"

INSTRUCTIONS = """Medley books appointments at clinics, whatever EHR each clinic runs.
Usual flow: list_clinics -> find_services -> find_available_times -> find_or_create_patient -> book_appointment.
Only offer times that find_available_times returned; say them with their `when` phrase. Writes take an
idempotency_key: use a fresh one per request and the same one when retrying it. Confirm before cancelling."""

_READ = {"read_only_hint": True, "open_world_hint": False}
_WRITE = {"read_only_hint": False, "idempotent_hint": True, "open_world_hint": False}

# Each tool: its function (its docstring is the model's description) and its annotations.
TOOLS: list[tuple[Callable[..., Any], ToolAnnotations]] = [
    (reading.list_clinics, ToolAnnotations(title="List clinics", **_READ)),
    (reading.find_services, ToolAnnotations(title="Find services", **_READ)),
    (reading.find_available_times, ToolAnnotations(title="Find available times", **_READ)),
    (
        writing.find_or_create_patient,
        ToolAnnotations(title="Find or create a patient", destructive_hint=False, **_WRITE),
    ),
    (writing.book_appointment, ToolAnnotations(title="Book an appointment", destructive_hint=False, **_WRITE)),
    (reading.list_patient_appointments, ToolAnnotations(title="List a patient's appointments", **_READ)),
    (
        writing.reschedule_appointment,
        ToolAnnotations(title="Reschedule an appointment", destructive_hint=True, **_WRITE),
    ),
    (writing.cancel_appointment, ToolAnnotations(title="Cancel an appointment", destructive_hint=True, **_WRITE)),
]


def _is_error(result: HandlerResult) -> bool:
    if isinstance(result, CallToolResult):
        return bool(result.is_error)
    return isinstance(result, dict) and bool(result.get("isError"))


class ToolCallGate:
    """Around every tool call: arguments checked with the tool's own argument model first, so that a refusal names
    the fields and what is wrong but never echoes a value (the SDK's own message quotes the input, which may be a
    date of birth); and one audit record naming the tool (``mcp.<tool>``), as every REST call has, unknown tools
    and refused arguments included. Ids and a status only, never arguments."""

    def __init__(self, tools: dict[str, FuncMetadata]) -> None:
        self._tools = tools

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        outcome = CallOutcome()
        token = current_outcome.set(outcome)
        status = 500
        try:
            refused = self._refusal(ctx.params or {})
            if refused is not None:
                status = 400
                return refused
            result = await call_next(ctx)
            status = outcome.status if outcome.status >= 400 else (400 if _is_error(result) else 200)
            return result
        except Exception:
            status = 400
            raise
        finally:
            current_outcome.reset(token)
            _record(ctx, outcome, status)

    def _refusal(self, params: Mapping[str, Any]) -> CallToolResult | None:
        tool = self._tools.get(str(params.get("name", "")))
        arguments = params.get("arguments") or {}
        if tool is None or not isinstance(arguments, dict):
            return None  # the SDK's own answer
        try:
            tool.validate_arguments(arguments)
        except ValidationError as error:
            return CallToolResult(content=[TextContent(type="text", text=validation_text(error))], is_error=True)
        return None


def _record(ctx: ServerRequestContext[Any, Any], outcome: CallOutcome, status: int) -> None:
    request = ctx.request
    if not isinstance(request, Request):
        return
    caller = getattr(request.state, CALLER_STATE, None)
    if not isinstance(caller, Caller):
        return
    runtime: Runtime = request.app.state.runtime
    name = str((ctx.params or {}).get("name", ""))
    runtime.audit.add(
        AuditEvent(
            at=datetime.now(UTC),
            application_id=caller.application.id,
            operation=f"mcp.{name}"[:64],
            method="POST",
            path_template=MCP_PATH,
            status_code=status,
            request_id=str(getattr(request.state, "request_id", "")),
            record_ids=tuple(dict.fromkeys(outcome.record_ids)),
        )
    )


def build_server() -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        name="medley",
        title="Medley",
        version=__version__,
        instructions=INSTRUCTIONS,
        middleware=[ToolCallGate({tool.__name__: func_metadata(tool, skip_names=["ctx"]) for tool, _ in TOOLS})],
    )
    for tool, hints in TOOLS:
        server.add_tool(tool, annotations=hints, structured_output=True)
    return server

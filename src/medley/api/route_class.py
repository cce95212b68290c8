"""The route class of every gateway endpoint: idempotent writes and the audit trail, in one place.

Idempotency: a ``POST`` or ``PATCH`` with an ``Idempotency-Key`` header runs once; a retry with the same key
and body gets the first answer back (marked ``Idempotent-Replayed: true``), the same key with another body
a 422, and a retry while the first is still running a 409. The claim is a lease renewed while the request
runs: if its server dies, a retry takes the key over once the lease lapses (``idempotency_lease_seconds``).
Only successful answers are kept: after an error the key is released, so the client can retry.

Audit: every authenticated call records when, which application, which operation, which record ids and the
outcome; never clinical content, names or query values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from medley.api.deps import SECURITY_REQUIREMENT, authenticate
from medley.api.problem import problem_response
from medley.api.text_input import refuse_nul_characters
from medley.api.upstream_context import enter_upstream_context
from medley.connectors.base import Operation
from medley.domain.errors import DetailCode, MedleyError
from medley.services.idempotent import IdempotentWrite, Replay
from medley.services.runtime import Runtime
from medley.store.audit import AuditEvent
from medley.store.idempotency import MAX_KEY_LENGTH

IDEMPOTENCY_HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_WRITE_METHODS = frozenset({"POST", "PATCH"})
_MAX_AUDITED_IDS = 50

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# Audit records name operations as the capability matrix does (``connectors.base.Operation``).
OPERATIONS: dict[str, str] = {
    "list_emrs": "emrs.list",
    "list_care_units": Operation.care_units_list,
    "list_resources": Operation.resources_list,
    "get_resource": Operation.resources_get,
    "get_schedule": Operation.schedules_get,
    "list_services": Operation.services_list,
    "list_timeslots": Operation.timeslots_list,
    "search_patients": Operation.patients_search,
    "create_patient": Operation.patients_create,
    "get_patient": Operation.patients_get,
    "book_appointment": Operation.appointments_create,
    "list_appointments": Operation.appointments_list,
    "get_appointment": Operation.appointments_get,
    "update_appointment": Operation.appointments_update,
    "bulk_update_appointments": Operation.appointments_bulk,
    "list_notes": Operation.notes_list,
    "list_notes_by_query": Operation.notes_list,
    "create_note": Operation.notes_create,
    "list_documents": Operation.documents_list,
    "create_document": Operation.documents_create,
    "get_document": Operation.documents_get,
}


# Answers of these operations are the practice's reference data (clinics, practitioners, services, free time),
# never a patient's: their audit records name the operation and the path's ids, and the answer is not parsed
# again for the ids it lists (on the busiest read path, that parse was a tenth of the gateway's own work).
_REFERENCE_OPERATIONS = frozenset(
    {
        "emrs.list",
        Operation.care_units_list,
        Operation.resources_list,
        Operation.resources_get,
        Operation.schedules_get,
        Operation.services_list,
        Operation.timeslots_list,
    }
)


def _record_ids(path_params: dict[str, Any], response: Response | None) -> tuple[str, ...]:
    ids = [str(v) for k, v in path_params.items() if k.endswith("_id") and k != "care_unit_id"]
    # A body without an "id" key has no record ids: a timeslot list of 300 kB is not parsed again for nothing.
    if response is not None and response.media_type == "application/json" and b'"id"' in bytes(response.body):
        try:
            payload = json.loads(bytes(response.body))
        except ValueError:
            payload = None
        items = payload if isinstance(payload, list) else [payload]
        ids += [
            str(item["id"]) for item in items[:_MAX_AUDITED_IDS] if isinstance(item, dict) and "id" in item
        ]
    return tuple(dict.fromkeys(ids))[:_MAX_AUDITED_IDS]


async def _run_once(request: Request, handler: Handler, key: str, runtime: Runtime) -> Response:
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise MedleyError.bad_request(
            f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
            DetailCode.BAD_INPUT,
            path=IDEMPOTENCY_HEADER,
        )
    caller = await authenticate(request)
    secret = caller.client_secret
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    fingerprint = runtime.idempotency.fingerprint(
        request.method, target, await request.body(), client_secret=secret
    )
    write = IdempotentWrite(
        store=runtime.idempotency,
        application_id=caller.application.id,
        client_secret=secret,
        key=key,
        fingerprint=fingerprint,
        ttl=timedelta(hours=runtime.settings.idempotency_ttl_hours),
    )
    # Only successful answers are kept: after an error the key is released, so the client can retry.
    answer = await write.run(
        lambda: handler(request),
        lambda response: (response.status_code, bytes(response.body)) if response.status_code < 400 else None,
    )
    if isinstance(answer, Replay):
        return Response(
            content=answer.body, status_code=answer.status, media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
    return answer


class GatewayRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # Every gateway route authenticates (``deps.authenticate`` reads the headers itself): say so in OpenAPI.
        kwargs["openapi_extra"] = {"security": SECURITY_REQUIREMENT, **(kwargs.get("openapi_extra") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        operation, template = str(OPERATIONS.get(self.name, self.name)), self.path_format
        # Read by ``deps.get_connector``: an operation outside the EHR's capability matrix is NOT_SUPPORTED.
        self.operation = operation
        answer_ids = operation not in _REFERENCE_OPERATIONS

        async def route_handler(request: Request) -> Response:
            runtime: Runtime = request.app.state.runtime
            key = request.headers.get(IDEMPOTENCY_HEADER)
            response: Response | None = None
            status = 500
            # Called here rather than declared as dependencies: FastAPI's dependency solving costs more per
            # node than either check, on every request of the read path.
            enter_upstream_context(request)
            try:
                await refuse_nul_characters(request)
                if key is not None and request.method in _WRITE_METHODS:
                    try:
                        response = await _run_once(request, handler, key, runtime)
                    except MedleyError as error:
                        response = problem_response(request, error)
                else:
                    response = await handler(request)
                status = response.status_code
                return response
            except MedleyError as error:
                status = error.status or 500
                raise
            except HTTPException as error:
                status = error.status_code
                raise
            except RequestValidationError:
                status = 400
                raise
            finally:
                application_id = getattr(request.state, "application_id", None)
                if application_id is not None:
                    runtime.audit.add(
                        AuditEvent(
                            at=datetime.now(UTC),
                            application_id=application_id,
                            operation=operation,
                            method=request.method,
                            path_template=template,
                            status_code=status,
                            request_id=str(getattr(request.state, "request_id", "")),
                            record_ids=_record_ids(
                                request.path_params, response if status < 400 and answer_ids else None
                            ),
                        )
                    )

        return route_handler

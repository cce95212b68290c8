"""Request bodies of the HTTP API (responses are the domain records themselves)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medley.api.moments import Moment
from medley.connectors.base import Capabilities

# Documented limits (docs/reference.md, "Limits"): anything beyond is a 400 before any upstream call.
MAX_NOTE_CONTENT_CHARS = 100_000
_Id = Annotated[str, Field(max_length=100)]


class _Body(BaseModel):
    # Unknown fields are refused rather than silently dropped: a typo must not lose data.
    model_config = ConfigDict(extra="forbid")


class AppointmentCreate(_Body):
    start: Moment = Field(description="ISO-8601 with offset; must equal a free timeslot's start.")
    end: Moment = Field(description="ISO-8601 with offset; must equal that timeslot's end.")
    patient_id: str = Field(max_length=100, description="Typed id: `emr_id:123` or `123`.")
    resource_id: str | None = Field(
        default=None, max_length=100, description="Optional when only one resource has that slot."
    )
    healthcare_service_id: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, description="At most 1000 characters.")


class AppointmentUpdate(_Body):
    start: Moment | None = Field(default=None, description="Give `start` and `end` together.")
    end: Moment | None = None
    resource_id: str | None = Field(default=None, max_length=100)
    comment: str | None = None
    status: Literal["cancelled"] | None = Field(
        default=None, description="Only `cancelled`, to cancel; then only `comment` may accompany it."
    )


class AppointmentBulkUpdate(AppointmentUpdate):
    ids: list[_Id] = Field(description="Appointment ids, at most 50.", max_length=1000)


class MedicalNoteCreate(_Body):
    template_id: str = Field(max_length=100, description="`leyr_unstructured`, or a Cliniko template id.")
    title: str | None = Field(default=None, max_length=255)
    created_by_id: str | None = Field(
        default=None, max_length=100, description="The clinician: a resource id of this care unit."
    )
    content: dict[str, Any] = Field(
        description=f'For `leyr_unstructured`: `{{"unstructured": "text"}}`; at most {MAX_NOTE_CONTENT_CHARS} '
        "characters as JSON."
    )

    @field_validator("content")
    @classmethod
    def _bounded(cls, content: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(content, ensure_ascii=False)) > MAX_NOTE_CONTENT_CHARS:
            raise ValueError(f"is longer than {MAX_NOTE_CONTENT_CHARS} characters (as JSON)")
        return content


class DocumentCreate(_Body):
    content: str = Field(description="The file, base64-encoded.")
    format: str = Field(max_length=127, description="MIME type, e.g. `application/pdf`.")
    title: str = Field(min_length=1, max_length=200)
    type: str | None = Field(default=None, max_length=50, description="Free text, e.g. `Lab Result`.")
    created_by_id: str | None = Field(default=None, max_length=100)


class Emr(BaseModel):
    code: str
    name: str
    connected: bool = Field(description="Whether this application has a connection for this EHR.")
    sandbox: bool = Field(description="Whether that connection is the built-in sandbox.")
    capabilities: Capabilities

"""Errors as values: every failure carries a code from the contract (DESIGN.md §2, Errors).

Raised anywhere below the API, rendered to problem+json in exactly one place (``api/problem.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Top-level problem codes, each with its HTTP status."""

    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNPROCESSABLE = "UNPROCESSABLE_ENTITY"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    RATE_LIMITED = "RATE_LIMITED"
    EMR_ERROR = "EMR_ERROR"
    TIMEOUT = "TIMEOUT"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"


STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNPROCESSABLE: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.EMR_ERROR: 502,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.UNKNOWN_ERROR: 500,
}


class DetailCode(StrEnum):
    """Detailed codes carried in ``errors[].error_code``."""

    INVALID_PATIENT_ID = "INVALID_PATIENT_ID"
    INVALID_CARE_UNIT_ID = "INVALID_CARE_UNIT_ID"
    INVALID_HEALTHCARE_SERVICE_ID = "INVALID_HEALTHCARE_SERVICE_ID"
    INVALID_RESOURCE_ID = "INVALID_RESOURCE_ID"
    INVALID_APPOINTMENT_ID = "INVALID_APPOINTMENT_ID"
    INVALID_DOCUMENT_ID = "INVALID_DOCUMENT_ID"
    INVALID_WEBHOOK_ID = "INVALID_WEBHOOK_ID"
    INVALID_DELIVERY_ID = "INVALID_DELIVERY_ID"
    INVALID_EMR = "INVALID_EMR"
    NO_TIMESLOTS_AVAILABLE = "NO_TIMESLOTS_AVAILABLE"
    AMBIGUOUS_TIMESLOTS = "AMBIGUOUS_TIMESLOTS"
    INVALID_COMMENT_LENGTH = "INVALID_COMMENT_LENGTH"
    INVALID_CREATED_BY_ID = "INVALID_CREATED_BY_ID"
    INVALID_NOTE_CONTENT = "INVALID_NOTE_CONTENT"
    INVALID_TEMPLATE_ID = "INVALID_TEMPLATE_ID"
    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    MAX_ITEMS_EXCEEDED = "MAX_ITEMS_EXCEEDED"
    BAD_INPUT = "BAD_INPUT"
    INVALID_PATIENT_ID_TYPE = "INVALID_PATIENT_ID_TYPE"
    PATIENT_ID_LOOKUP_TYPE_NOT_SUPPORTED = "PATIENT_ID_LOOKUP_TYPE_NOT_SUPPORTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    INVALID_TIME_WINDOW = "INVALID_TIME_WINDOW"
    DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_REQUEST_IN_PROGRESS = "IDEMPOTENCY_REQUEST_IN_PROGRESS"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    RESOURCE_BUSY = "RESOURCE_BUSY"
    CONNECTION_UNREADABLE = "CONNECTION_UNREADABLE"
    AUTHENTICATION_BUSY = "AUTHENTICATION_BUSY"
    WRITE_OUTCOME_PENDING = "WRITE_OUTCOME_PENDING"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"


@dataclass(frozen=True)
class ErrorDetail:
    error_code: DetailCode | str
    details: str
    emr_error: dict[str, Any] | None = None
    path: str | None = None


@dataclass
class MedleyError(Exception):
    """A failure the client should hear about, with its contract code."""

    code: ErrorCode
    detail: str
    errors: list[ErrorDetail] = field(default_factory=list)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)
        if self.status is None:
            self.status = STATUS_OF[self.code]

    @classmethod
    def bad_request(
        cls, detail: str, code: DetailCode = DetailCode.BAD_INPUT, path: str | None = None
    ) -> MedleyError:
        return cls(ErrorCode.BAD_REQUEST, detail, [ErrorDetail(code, detail, path=path)])

    @classmethod
    def not_found(cls, detail: str, code: DetailCode) -> MedleyError:
        return cls(ErrorCode.NOT_FOUND, detail, [ErrorDetail(code, detail)])

    @classmethod
    def conflict(cls, detail: str, code: DetailCode = DetailCode.NO_TIMESLOTS_AVAILABLE) -> MedleyError:
        return cls(ErrorCode.CONFLICT, detail, [ErrorDetail(code, detail)])

    @classmethod
    def not_supported(cls, detail: str) -> MedleyError:
        return cls(ErrorCode.BAD_REQUEST, detail, [ErrorDetail(DetailCode.NOT_SUPPORTED, detail)])

    @classmethod
    def emr_error(
        cls, detail: str, upstream_status: int | None, upstream_body: Any = None, status: int = 502
    ) -> MedleyError:
        emr = {"status": upstream_status, "message": upstream_body}
        return cls(
            ErrorCode.EMR_ERROR, detail, [ErrorDetail(DetailCode.BAD_INPUT, detail, emr_error=emr)], status
        )

    @classmethod
    def timeout(cls, detail: str) -> MedleyError:
        return cls(ErrorCode.TIMEOUT, detail, [])

"""Presigned POST policies for the emulator's fake S3 bucket: issued by the API, checked by the bucket.

The shape is S3's browser-based upload (``policy``, ``x-amz-credential``, ``x-amz-date``,
``x-amz-algorithm``, ``x-amz-signature`` and the ``key`` with its ``${filename}`` placeholder). The
signature is an HMAC of the base64 policy under a secret only the emulator knows, so a client can
neither forge a policy nor stretch one, and an expired policy is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

BUCKET: Final = "medley-sandbox-uploads"
MAX_UPLOAD_BYTES: Final = 25 * 1024 * 1024
POLICY_LIFETIME: Final = timedelta(hours=1)
ALGORITHM: Final = "AWS4-HMAC-SHA256"
_REGION: Final = "ap-southeast-2"
_ACCESS_KEY: Final = "MEDLEYSANDBOX"
FILENAME_PLACEHOLDER: Final = "${filename}"


def temp_prefix(patient_id: int) -> str:
    """Where a patient's uploads wait until ``POST /patient_attachments`` picks them up."""
    return f"sandbox/patients/{patient_id}/attachments/temp/"


def signing_secret(api_key: str) -> bytes:
    return hashlib.sha256(f"medley-sandbox-s3:{api_key}".encode()).digest()


def presigned_fields(secret: bytes, *, patient_id: int, upload_id: str, now: datetime) -> dict[str, str]:
    moment = now.astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{_ACCESS_KEY}/{moment:%Y%m%d}/{_REGION}/s3/aws4_request"
    prefix = f"{temp_prefix(patient_id)}{upload_id}/"
    policy_document = {
        "expiration": (moment + POLICY_LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conditions": [
            {"bucket": BUCKET},
            ["starts-with", "$key", prefix],
            {"success_action_status": "201"},
            {"acl": "private"},
            ["content-length-range", 0, MAX_UPLOAD_BYTES],
            {"x-amz-algorithm": ALGORITHM},
            {"x-amz-credential": credential},
            {"x-amz-date": amz_date},
        ],
    }
    policy = base64.b64encode(json.dumps(policy_document, separators=(",", ":")).encode()).decode()
    return {
        "key": f"{prefix}{FILENAME_PLACEHOLDER}",
        "success_action_status": "201",
        "acl": "private",
        "policy": policy,
        "x-amz-algorithm": ALGORITHM,
        "x-amz-credential": credential,
        "x-amz-date": amz_date,
        "x-amz-signature": _sign(secret, policy),
    }


@dataclass(frozen=True, slots=True)
class PolicyRejection:
    """Why the bucket refuses an upload, as S3 words it."""

    code: str
    message: str
    status: int = 403


def check_upload(
    secret: bytes, fields: Mapping[str, str], *, bucket: str, key: str, size: int, now: datetime
) -> PolicyRejection | None:
    """None when the form carries a policy this emulator signed, still valid, that allows this upload."""
    policy = fields.get("policy")
    signature = fields.get("x-amz-signature")
    if not policy or not signature:
        return PolicyRejection("AccessDenied", "Bucket POST must contain a policy and a signature.")
    if not hmac.compare_digest(signature, _sign(secret, policy)):
        return PolicyRejection(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    document = _decode(policy)
    if document is None:
        return PolicyRejection("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", status=400)
    expiration = _expiration(document.get("expiration"))
    if expiration is None or expiration <= now:
        return PolicyRejection("AccessDenied", "Invalid according to Policy: Policy expired.")
    for condition in document.get("conditions", []):
        failure = _check_condition(condition, fields, bucket=bucket, key=key, size=size)
        if failure is not None:
            return PolicyRejection("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failure}")
    return None


def _check_condition(condition: Any, fields: Mapping[str, str], *, bucket: str, key: str, size: int) -> str | None:
    values = {**fields, "bucket": bucket, "key": key}
    if isinstance(condition, dict):
        for name, expected in condition.items():
            if values.get(name) != expected:
                return f'["eq", "${name}", "{expected}"]'
        return None
    if isinstance(condition, list) and len(condition) == 3 and condition[0] == "starts-with":
        name = str(condition[1]).lstrip("$")
        if not str(values.get(name, "")).startswith(str(condition[2])):
            return f'["starts-with", "${name}", "{condition[2]}"]'
        return None
    if isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
        if not int(condition[1]) <= size <= int(condition[2]):
            return f'["content-length-range", {condition[1]}, {condition[2]}]'
        return None
    return "unknown condition"


def _sign(secret: bytes, policy: str) -> str:
    return hmac.new(secret, policy.encode(), hashlib.sha256).hexdigest()


def _decode(policy: str) -> dict[str, Any] | None:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _expiration(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

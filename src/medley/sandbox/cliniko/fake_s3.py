"""The emulator's stand-in for Cliniko's S3 upload bucket (step 2 of the attachment upload).

``POST /s3/<bucket>/`` takes S3's browser-upload form (the presigned fields, then ``file``), checks the
policy the API issued, stores the object and answers like S3: 201 with a ``PostResponse`` XML. It
sits outside ``/v1`` and takes no Basic auth: the signed policy is the credential, as on real S3.
"""

from __future__ import annotations

import hashlib
import posixpath
from typing import Final
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from medley.sandbox.cliniko.deps import ContextDep, WriteSession
from medley.sandbox.cliniko.s3_policy import (
    BUCKET,
    FILENAME_PLACEHOLDER,
    MAX_UPLOAD_BYTES,
    PolicyRejection,
    check_upload,
    signing_secret,
)
from medley.sandbox.cliniko.tables import UploadedObject
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

DEFAULT_CONTENT_TYPE: Final = "application/octet-stream"
# Room for the form fields around the file in a request at the size limit.
_FORM_OVERHEAD_BYTES: Final = 64 * 1024


def bucket_url(urls: Urls) -> str:
    return f"{urls.root}/s3/{BUCKET}/"


def _s3_error(rejection: PolicyRejection) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(rejection.code)}</Code><Message>{escape(rejection.message)}</Message></Error>"
    )
    return Response(body, status_code=rejection.status, media_type="application/xml")


_TOO_LARGE = PolicyRejection("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", status=413)


@router.post("/s3/{bucket}")
@router.post("/s3/{bucket}/")
async def post_object(bucket: str, request: Request, session: WriteSession, context: ContextDep) -> Response:
    if bucket != BUCKET:
        return _s3_error(PolicyRejection("NoSuchBucket", "The specified bucket does not exist", status=404))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _FORM_OVERHEAD_BYTES:
        return _s3_error(_TOO_LARGE)
    async with request.form(max_files=1, max_fields=32) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return _s3_error(
                PolicyRejection("InvalidArgument", "POST requires exactly one file upload per request.", status=400)
            )
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return _s3_error(_TOO_LARGE)
        fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
        filename = posixpath.basename((upload.filename or "upload").replace("\\", "/")) or "upload"
        part_type = upload.content_type
    key_template = fields.get("key", "")
    key = key_template.replace(FILENAME_PLACEHOLDER, filename)
    now = context.now()
    rejection = check_upload(
        signing_secret(context.api_key.value), fields, bucket=bucket, key=key_template, size=len(data), now=now
    )
    if rejection is not None:
        return _s3_error(rejection)
    content_type = fields.get("Content-Type") or fields.get("content-type") or part_type or DEFAULT_CONTENT_TYPE
    await session.merge(
        UploadedObject(key=key, filename=filename, content_type=content_type, data=data, created_at=now)
    )
    await session.commit()
    etag = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
    location = bucket_url(Urls.for_request(request)) + quote(key)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<PostResponse><Location>{escape(location)}</Location><Bucket>{escape(bucket)}</Bucket>"
        f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag></PostResponse>"
    )
    return Response(body, status_code=201, media_type="application/xml", headers={"ETag": etag, "Location": location})

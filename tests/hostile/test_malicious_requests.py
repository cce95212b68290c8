"""Malformed and malicious requests, sent by hand to a live server: each gets a clear 4xx problem with the
contract's code, nothing is written upstream, and nothing ever answers 5xx."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_API_KEY, Settings
from tests.hostile.conftest import Practice
from tests.support.sandbox_gateway import SANDBOX_HEADERS

PROBLEM = "application/problem+json"
REQUEST_MAX_BYTES: int = Settings.model_fields["request_max_bytes"].default
DOCUMENT_MAX_BYTES: int = Settings.model_fields["document_max_bytes"].default

SQL_INJECTION = "' OR 1=1 --"
TRAVERSALS = ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows"]
UNICODE_ODDITIES = [
    "\u202eevilo\u202c",  # right-to-left override
    "Ze\u200bro\u200dWidth",  # zero-width space and joiner
    "Emoji 🧑\u200d⚕️🏥",
    "Ｆｕｌｌｗｉｄｔｈ",
    "Åsa\u0301",  # combining accent
]


def assert_problem(response: httpx.Response, status: int, code: str, detail_code: str | None = None) -> dict[str, Any]:
    """The response is the contract's problem document with this status, top-level code and detailed code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    assert response.headers.get("x-request-id")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["instance"] == response.headers["x-request-id"]
    if detail_code is not None:
        assert detail_code in {e["error_code"] for e in body["errors"]}, body
    return body


def assert_refused(response: httpx.Response) -> None:
    """A 4xx problem, whatever its code: for inputs where several refusals are equally right."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


# Every kind of record a refused request could have written, as the emulator (the EHR) itself lists them.
UPSTREAM_COLLECTIONS = ("patients", "individual_appointments", "treatment_notes", "patient_attachments")


@pytest.fixture
def written(server_url: str) -> Iterator[None]:
    """Fails the test when any patient, appointment, note or document upstream was added, changed, cancelled
    or archived during it: the EHR's own count of each, and its most recently updated record, are unchanged.

    Read from the emulator directly, one short page per kind, rather than through Medley's lists of the whole
    practice (dozens of upstream pages before and after every test)."""
    ehr = httpx.Client(
        base_url=server_url + "/sandbox/cliniko/v1",
        auth=(DEFAULT_SANDBOX_API_KEY, ""),
        headers={"User-Agent": "Medley hostile tests (hostile@example.org)"},
        timeout=30.0,
    )

    def state() -> dict[str, tuple[int, Any]]:
        result = {}
        for collection in UPSTREAM_COLLECTIONS:
            response = ehr.get(f"/{collection}", params={"per_page": 1, "sort": "updated_at:desc"})
            assert response.status_code == 200, response.text
            page = response.json()
            latest = [(item["id"], item["updated_at"]) for item in page[collection]]
            result[collection] = (page["total_entries"], latest)
        return result

    with ehr:
        before = state()
        yield
        assert state() == before, "a refused request wrote something upstream"


def _patient(**extra: Any) -> dict[str, Any]:
    return {"first_name": "Hostile", "last_name": "Input", "birth_date": "1980-01-02", **extra}


# --- sizes -----------------------------------------------------------------------------------------------


def test_body_over_the_request_limit_is_refused_unread(api: httpx.Client, practice: Practice, written: None) -> None:
    padding = "x" * (REQUEST_MAX_BYTES + 1)
    response = api.post(
        f"{practice.base}/patients",
        content=json.dumps(_patient(gender=padding)),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_chunked_body_over_the_request_limit_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    # No Content-Length: the limit must hold while the body streams in.
    chunk = b"x" * (1024 * 1024)

    def body() -> Iterator[bytes]:
        yield b'{"first_name": "Hostile", "last_name": "Input", "gender": "'
        for _ in range(REQUEST_MAX_BYTES // len(chunk) + 1):
            yield chunk
        yield b'"}'

    response = api.post(f"{practice.base}/patients", content=body(), headers={"content-type": "application/json"})
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_document_over_the_document_limit_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    content = base64.b64encode(b"%PDF" + b"\0" * DOCUMENT_MAX_BYTES).decode()
    response = api.post(
        f"{practice.base}/patients/{practice.patient_id}/documents",
        json={"content": content, "format": "application/pdf", "title": "Too big"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE", "DOCUMENT_TOO_LARGE")


@pytest.mark.parametrize("content", ["not base64!!", "QUJD=", "QUJDRA==\n==", "", "\u00e9\u00e9\u00e9\u00e9"])
def test_document_that_is_not_base64_is_refused(
    api: httpx.Client, practice: Practice, written: None, content: str
) -> None:
    response = api.post(
        f"{practice.base}/patients/{practice.patient_id}/documents",
        json={"content": content, "format": "application/pdf", "title": "Broken"},
    )
    assert_problem(response, 400, "BAD_REQUEST")


def test_timeslot_window_of_a_year_is_refused(api: httpx.Client, practice: Practice) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    response = api.get(
        f"{practice.base}/timeslots",
        params={"start": start.isoformat(), "end": (start + timedelta(days=365)).isoformat()},
    )
    assert_problem(response, 400, "BAD_REQUEST")


EDGES_OF_TIME = [
    {"start": "9999-12-31T00:00:00+00:00"},
    {"start": "9999-12-31T23:59:59-14:00"},
    {"start": "0001-01-01T00:00:00+14:00", "end": "0001-01-02T00:00:00+00:00"},
    {"end": "0001-01-01T00:00:00+14:00"},
    {"start": "2199-12-20T00:00:00", "end": "9999-12-31T23:59:59"},
]


@pytest.mark.parametrize("params", EDGES_OF_TIME)
@pytest.mark.parametrize("path", ["/timeslots", "/appointments", "/resources/{resource_id}/schedules"])
def test_windows_at_the_edges_of_the_calendar_are_refused(
    api: httpx.Client, practice: Practice, path: str, params: dict[str, str]
) -> None:
    response = api.get(practice.base + path.format(resource_id=practice.resource_id), params=params)
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("start", ["9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_bookings_at_the_edges_of_the_calendar_are_refused(
    api: httpx.Client, practice: Practice, written: None, start: str
) -> None:
    body = {"start": start, "end": start.replace(":30:", ":59:"), "patient_id": practice.patient_id}
    assert_problem(api.post(f"{practice.base}/appointments", json=body), 400, "BAD_REQUEST", "BAD_INPUT")
    change = {"start": body["start"], "end": body["end"]}
    assert_problem(api.patch(f"{practice.base}/appointments/1", json=change), 400, "BAD_REQUEST", "BAD_INPUT")


def test_inverted_window_across_offsets_is_refused(api: httpx.Client, practice: Practice) -> None:
    # Later on the wall clock, two hours earlier in fact.
    params = {"start": "2030-01-02T00:00:00-12:00", "end": "2030-01-02T10:00:00+00:00"}
    assert_problem(api.get(f"{practice.base}/timeslots", params=params), 400, "BAD_REQUEST", "INVALID_TIME_WINDOW")


def test_too_many_resource_filters_are_refused(api: httpx.Client, practice: Practice) -> None:
    response = api.get(f"{practice.base}/timeslots", params=[("resource_id", str(i)) for i in range(1, 60)])
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "100000000", "page": "-1"},
        {"limit": "99999999999999999999999999", "offset": "-5"},
        {"page": "NaN", "per_page": "1e309"},
    ],
)
def test_pagination_style_parameters_cannot_widen_a_listing(
    api: httpx.Client, practice: Practice, params: dict[str, str]
) -> None:
    # The API has no paging parameters: unknown ones are ignored, never passed upstream.
    plain = api.get(f"{practice.base}/patients")
    response = api.get(f"{practice.base}/patients", params=params)
    assert response.status_code == 200, response.text
    assert response.json() == plain.json()


def test_bulk_update_with_too_many_ids_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    response = api.patch(
        f"{practice.base}/appointments", json={"ids": [str(i) for i in range(1, 1002)], "comment": "x"}
    )
    assert_problem(response, 400, "BAD_REQUEST")


# --- encodings and JSON shapes ----------------------------------------------------------------------------


def test_json_body_that_is_not_utf8_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    body = b'{"first_name": "\xff\xfe\xc3", "last_name": "Input", "birth_date": "1980-01-02"}'
    response = api.post(f"{practice.base}/patients", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("raw", ["%FF%FE", "%C3%28", "%ED%A0%80", "%00"])
def test_query_value_that_is_not_text_is_answered_or_refused(server_url: str, practice: Practice, raw: str) -> None:
    url = f"{server_url}/api{practice.base}/patients?first_name={raw}&last_name=x"
    response = httpx.get(url, headers=SANDBOX_HEADERS, timeout=30)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert_refused(response)
    else:
        assert response.json() == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"a string"',
        b"{'single': 'quotes'}",
        b'{"first_name": NaN}',
    ],
)
def test_malformed_json_is_refused(api: httpx.Client, practice: Practice, written: None, body: bytes) -> None:
    response = api.post(f"{practice.base}/patients", content=body, headers={"content-type": "application/json"})
    assert_refused(response)


@pytest.mark.parametrize(
    "patch",
    [
        {"first_name": 123},
        {"first_name": ["a"]},
        {"birth_date": True},
        {"birth_date": "1980-13-45"},
        {"phones": "0412345678"},
        {"address": "1 Main Street"},
        {"emails": [{"email": "a@example.com"}]},
    ],
)
def test_patient_fields_of_the_wrong_json_type_are_refused(
    api: httpx.Client, practice: Practice, written: None, patch: dict[str, Any]
) -> None:
    response = api.post(f"{practice.base}/patients", json=_patient(**patch))
    body = assert_problem(response, 400, "BAD_REQUEST", "BAD_INPUT")
    assert all(e["path"] and e["path"].startswith("body") for e in body["errors"])


def test_note_content_that_is_not_an_object_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    response = api.post(
        f"{practice.base}/patients/{practice.patient_id}/medical-notes",
        json={"template_id": "leyr_unstructured", "content": "plain text"},
    )
    assert_problem(response, 400, "BAD_REQUEST", "BAD_INPUT")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/patients", _patient(is_admin=True)),
        (
            "/appointments",
            {
                "start": "2030-01-01T09:00:00+00:00",
                "end": "2030-01-01T09:30:00+00:00",
                "patient_id": "1",
                "force": True,
            },
        ),
        (
            "/patients/{patient_id}/medical-notes",
            {"template_id": "leyr_unstructured", "content": {"unstructured": "x"}, "signed": True},
        ),
        (
            "/patients/{patient_id}/documents",
            {"content": "QUJD", "format": "text/plain", "title": "t", "patient_id": "2"},
        ),
    ],
)
def test_unknown_fields_are_refused(
    api: httpx.Client, practice: Practice, written: None, path: str, body: dict[str, Any]
) -> None:
    response = api.post(practice.base + path.format(patient_id=practice.patient_id), json=body)
    assert_problem(response, 400, "BAD_REQUEST", "BAD_INPUT")


def test_unknown_fields_in_an_update_are_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    response = api.patch(f"{practice.base}/appointments/1", json={"comment": "x", "patient_id": "2"})
    assert_problem(response, 400, "BAD_REQUEST", "BAD_INPUT")


@pytest.mark.parametrize("depth", [64, 5_000, 100_000])
def test_deeply_nested_json_is_refused_or_handled(
    api: httpx.Client, practice: Practice, written: None, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    body = '{"template_id": "leyr_unstructured", "content": {"unstructured": "x", "deep": ' + nested + "}}"
    response = api.post(
        f"{practice.base}/patients/{practice.patient_id}/medical-notes",
        content=body,
        headers={"content-type": "application/json"},
    )
    # A note's content may only hold text: whatever the depth, it is refused, never a 500.
    assert_refused(response)


# --- ids --------------------------------------------------------------------------------------------------


def test_sql_injection_in_search_params_matches_nobody(api: httpx.Client, practice: Practice) -> None:
    for name in ("first_name", "last_name", "email", "phone", "external_id"):
        response = api.get(f"{practice.base}/patients", params={name: SQL_INJECTION})
        assert response.status_code == 200, response.text
        assert response.json() == [], name


@pytest.mark.parametrize(
    ("template", "detail_code"),
    [
        ("/patients/{id}", "INVALID_PATIENT_ID"),
        ("/appointments/{id}", "INVALID_APPOINTMENT_ID"),
        ("/resources/{id}", "INVALID_RESOURCE_ID"),
        ("/patients/{id}/documents", "INVALID_PATIENT_ID"),
    ],
)
def test_sql_injection_in_ids_is_refused(
    api: httpx.Client, practice: Practice, template: str, detail_code: str
) -> None:
    response = api.get(practice.base + template.format(id=SQL_INJECTION))
    assert_problem(response, 400, "BAD_REQUEST", detail_code)


@pytest.mark.parametrize("raw", ["1%20OR%201%3D1", "1;DROP%20TABLE%20patients", "1%27--"])
def test_sql_injection_in_query_ids_is_refused(server_url: str, practice: Practice, raw: str) -> None:
    url = f"{server_url}/api{practice.base}/appointments?patient_id={raw}"
    assert_problem(httpx.get(url, headers=SANDBOX_HEADERS, timeout=30), 400, "BAD_REQUEST", "INVALID_PATIENT_ID")


@pytest.mark.parametrize("traversal", TRAVERSALS)
@pytest.mark.parametrize(
    "template",
    [
        "/patients/{id}",
        "/appointments/{id}",
        "/patients/{patient_id}/documents/{id}",
        "/resources/{id}/schedules",
    ],
)
def test_path_traversal_in_ids_is_refused(server_url: str, practice: Practice, template: str, traversal: str) -> None:
    path = template.format(id=traversal, patient_id=practice.patient_id)
    response = httpx.get(f"{server_url}/api{practice.base}{path}", headers=SANDBOX_HEADERS, timeout=30)
    # Refused by the id check (400) or by routing (404): never served, never a 5xx.
    assert response.status_code in (400, 404), response.text
    assert_refused(response)


@pytest.mark.parametrize("care_unit", [*TRAVERSALS, "1%27%20OR%201%3D1--", "%00", "a" * 81])
def test_hostile_care_unit_ids_are_refused(server_url: str, care_unit: str) -> None:
    response = httpx.get(
        f"{server_url}/api/emrs/cliniko/care-units/{care_unit}/patients", headers=SANDBOX_HEADERS, timeout=30
    )
    assert response.status_code in (400, 404), response.text
    assert_refused(response)


@pytest.mark.parametrize("emr", ["..%2Fsandbox", "CLINIKO", "nope", "%00", "e" * 33])
def test_hostile_emr_codes_are_refused(server_url: str, emr: str) -> None:
    response = httpx.get(f"{server_url}/api/emrs/{emr}/care-units", headers=SANDBOX_HEADERS, timeout=30)
    assert response.status_code in (400, 404), response.text
    assert_refused(response)


@pytest.mark.parametrize("raw", ["1%0D%0ASet-Cookie:%20a=b", "1%0Ax", "1%00", "1%09", "%20%201"])
def test_control_characters_in_ids_are_refused(server_url: str, practice: Practice, raw: str) -> None:
    response = httpx.get(f"{server_url}/api{practice.base}/patients/{raw}", headers=SANDBOX_HEADERS, timeout=30)
    assert response.status_code in (400, 404), response.text
    assert_refused(response)
    assert "set-cookie" not in response.headers


def test_very_long_ids_are_refused(api: httpx.Client, practice: Practice) -> None:
    for template in ("/patients/{id}", "/appointments/{id}", "/resources/{id}"):
        response = api.get(practice.base + template.format(id="9" * 5000))
        assert_problem(response, 400, "BAD_REQUEST")


def test_very_long_ids_in_a_booking_are_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    response = api.post(
        f"{practice.base}/appointments",
        json={"start": "2030-01-01T09:00:00+00:00", "end": "2030-01-01T09:30:00+00:00", "patient_id": "9" * 5000},
    )
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("raw", "detail_code"),
    [
        ("passport:123", "INVALID_PATIENT_ID_TYPE"),
        ("EMR_ID:123", "INVALID_PATIENT_ID_TYPE"),
        (":123", "INVALID_PATIENT_ID_TYPE"),
        ("nhs_number:9434765919", "PATIENT_ID_LOOKUP_TYPE_NOT_SUPPORTED"),
        ("emr_id:", "INVALID_PATIENT_ID"),
        ("emr_id:emr_id:1", "INVALID_PATIENT_ID"),
    ],
)
def test_typed_ids_of_unknown_or_unsupported_kinds_are_refused(
    api: httpx.Client, practice: Practice, raw: str, detail_code: str
) -> None:
    assert_problem(api.get(f"{practice.base}/patients/{raw}"), 400, "BAD_REQUEST", detail_code)
    assert_problem(
        api.get(f"{practice.base}/appointments", params={"patient_id": raw}), 400, "BAD_REQUEST", detail_code
    )


# --- headers ----------------------------------------------------------------------------------------------


def _raw_request(server_url: str, request: bytes) -> bytes:
    """Send bytes as they are: httpx refuses to put CR or LF into a header, which is the point here."""
    address = urlsplit(server_url)
    with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_crlf_in_a_header_cannot_inject_a_response_header(server_url: str, practice: Practice) -> None:
    request = (
        f"GET /api{practice.base}/patients HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"x-leyr-client-id: {SANDBOX_HEADERS['x-leyr-client-id']}\r\n"
        f"x-leyr-client-secret: {SANDBOX_HEADERS['x-leyr-client-secret']}\r\n"
        "x-request-id: abcdefgh\r\nSet-Cookie: injected=1\r\n\r\n"
    ).encode()
    # The server sees "Set-Cookie" as a request header of its own: harmless, and never echoed back.
    head = _raw_request(server_url, request).split(b"\r\n\r\n", 1)[0].lower()
    assert b"injected" not in head
    assert not head.startswith(b"http/1.1 5")


def test_bare_carriage_return_in_a_header_is_refused(server_url: str, practice: Practice) -> None:
    request = (
        f"GET /api{practice.base}/patients HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "x-request-id: abcdefgh\rSet-Cookie: injected=1\r\n\r\n"
    ).encode()
    head = _raw_request(server_url, request).split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 4"), head
    assert b"injected" not in head


@pytest.mark.parametrize(
    "request_id", ["short", "x" * 65, "abc def ghi", "<script>alert(1)</script>", "../../../etc/passwd"]
)
def test_unsafe_request_ids_are_replaced(api: httpx.Client, practice: Practice, request_id: str) -> None:
    response = api.get(f"{practice.base}/patients/{SQL_INJECTION}", headers={"x-request-id": request_id})
    assert response.headers["x-request-id"] != request_id
    assert request_id not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {"x-leyr-client-id": "x" * 5000, "x-leyr-client-secret": "y"},
        {"x-leyr-client-id": SQL_INJECTION, "x-leyr-client-secret": SQL_INJECTION},
        {"x-leyr-client-id": "\u00e9\u00e9", "x-leyr-client-secret": "\u00ff"},
    ],
)
def test_hostile_credentials_are_unauthorized(server_url: str, headers: dict[str, str]) -> None:
    encoded = {k.encode(): v.encode("latin-1") for k, v in headers.items()}
    response = httpx.get(f"{server_url}/api/emrs", headers=encoded, timeout=30)
    assert_problem(response, 401, "UNAUTHORIZED")


def test_hostile_idempotency_keys_are_answered_or_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    for key in (b"k" * 10_000, SQL_INJECTION.encode(), "\u00e9t\u00e9".encode(), b"\xff\xfe"):
        response = api.post(
            f"{practice.base}/patients", json=_patient(first_name=""), headers={b"Idempotency-Key": key}
        )
        assert_refused(response)


# --- names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNICODE_ODDITIES)
def test_unicode_oddities_in_names_are_kept_or_refused(api: httpx.Client, practice: Practice, name: str) -> None:
    external_id = "hostile-" + name.encode().hex()[:40]
    response = api.post(f"{practice.base}/patients", json=_patient(first_name=name, external_id=external_id))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_refused(response)
        return
    created = response.json()
    fetched = api.get(f"{practice.base}/patients/{created['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["first_name"] == name
    search = api.get(f"{practice.base}/patients", params={"first_name": name, "last_name": "Input"})
    assert search.status_code == 200, search.text


@pytest.mark.parametrize("name", ["Null\u0000Byte", "\u0000", "Bell\u0007", "Line\nBreak", "   "])
def test_control_characters_in_names_are_kept_or_refused(api: httpx.Client, practice: Practice, name: str) -> None:
    external_id = "hostile-ctl-" + name.encode().hex()[:40]
    response = api.post(f"{practice.base}/patients", json=_patient(first_name=name, external_id=external_id))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_refused(response)


def test_null_bytes_in_search_values_match_nobody(api: httpx.Client, practice: Practice) -> None:
    response = api.get(f"{practice.base}/patients", params={"first_name": "a\u0000b", "email": "\u0000"})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json() == []
    else:
        assert_refused(response)


# --- records, methods and content types ---------------------------------------------------------------------


@pytest.mark.parametrize("mime", ["text/html\r\nX-Injected: 1", "../../etc/passwd", "application/", "a" * 200, "*/*"])
def test_hostile_document_formats_are_refused(api: httpx.Client, practice: Practice, written: None, mime: str) -> None:
    response = api.post(
        f"{practice.base}/patients/{practice.patient_id}/documents",
        json={"content": "QUJD", "format": mime, "title": "Format"},
    )
    assert_problem(response, 400, "BAD_REQUEST")


def test_a_hostile_document_title_cannot_shape_the_download(api: httpx.Client, practice: Practice) -> None:
    title = "../../etc/passwd\"; filename*=UTF-8''evil.sh \u202egpj.exe"
    created = api.post(
        f"{practice.base}/patients/{practice.patient_id}/documents",
        json={"content": base64.b64encode(b"hello").decode(), "format": "text/plain", "title": title},
    )
    assert created.status_code < 500, created.text
    if created.status_code >= 400:
        assert_refused(created)
        return
    download = api.get(f"{practice.base}/patients/{practice.patient_id}/documents/{created.json()['id']}")
    assert download.status_code == 200, download.text
    disposition = download.headers["content-disposition"]
    filename = disposition.split("filename=", 1)[1]
    assert filename.count('"') == 2 and "/" not in filename and "\u202e" not in disposition
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.content == b"hello"


def test_note_text_that_is_not_text_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    for content in ({"unstructured": {"nested": "x"}}, {"unstructured": 12}, {}):
        response = api.post(
            f"{practice.base}/patients/{practice.patient_id}/medical-notes",
            json={"template_id": "leyr_unstructured", "content": content},
        )
        assert_problem(response, 400, "BAD_REQUEST")


def test_overlong_comment_on_a_booking_is_refused(api: httpx.Client, practice: Practice, written: None) -> None:
    body = {
        "start": "2030-01-07T09:00:00+00:00",
        "end": "2030-01-07T09:30:00+00:00",
        "patient_id": practice.patient_id,
        "resource_id": practice.resource_id,
        "comment": "x" * 100_000,
    }
    assert_refused(api.post(f"{practice.base}/appointments", json=body))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_bodies_that_are_not_json_are_refused(
    api: httpx.Client, practice: Practice, written: None, content_type: str
) -> None:
    response = api.post(
        f"{practice.base}/patients",
        content=json.dumps(_patient(external_id="not-json-body")),
        headers={"content-type": content_type},
    )
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/patients/1"), ("PUT", "/appointments/1"), ("TRACE", "")])
def test_methods_the_api_does_not_have_are_problems(
    api: httpx.Client, practice: Practice, method: str, path: str
) -> None:
    response = api.request(method, f"{practice.base}{path}")
    assert response.status_code in (404, 405), response.text
    assert_refused(response)


def test_unknown_paths_are_not_found_problems(api: httpx.Client) -> None:
    for path in ("/nope", "/emrs/cliniko/care-units/1/nope", "/%2e%2e/sandbox/cliniko/v1/patients", "/%2e%2e/health"):
        response = api.get(path)
        assert response.status_code == 404, (path, response.text)
        assert_refused(response)

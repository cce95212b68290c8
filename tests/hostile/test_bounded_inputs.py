"""Bounded inputs and connections (docs/reference.md "Limits", docs/operations.md): every free-text field and
list has a limit and is refused with a 400 beyond it, before reaching the EHR; a client that connects and says
nothing, sends its headers or its body a byte at a time, is cut off after documented timeouts."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.hostile.conftest import Practice
from tests.support.sandbox_gateway import SANDBOX_HEADERS, UNLIMITED_ENV
from tests.support.server import running_medley

Json = Any

HEADER_SECONDS = 1.0
BODY_SECONDS = 1.5


def _person(**extra: Json) -> dict[str, Json]:
    return {"first_name": "Wilhelmina", "last_name": f"Thackeray-{uuid.uuid4().hex[:8]}", **extra}


def _refused(response: httpx.Response, detail_code: str, path_part: str) -> None:
    assert response.status_code == 400, response.text[:300]
    error = response.json()["errors"][0]
    assert error["error_code"] == detail_code, error
    assert path_part in (error["path"] or ""), error


def test_ten_thousand_phone_numbers_are_refused(api: httpx.Client, practice: Practice) -> None:
    phones = [f"+61 491 {i:06d}" for i in range(10_000)]
    _refused(api.post(f"{practice.base}/patients", json=_person(phones=phones)), "MAX_ITEMS_EXCEEDED", "phones")


def test_eleven_emails_are_refused(api: httpx.Client, practice: Practice) -> None:
    emails = [f"w{i}@example.org" for i in range(11)]
    _refused(api.post(f"{practice.base}/patients", json=_person(emails=emails)), "MAX_ITEMS_EXCEEDED", "emails")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gender", "x" * 51),
        ("external_id", "x" * 101),
        ("phones", ["1" * 51]),
        ("address", {"line1": "x" * 256}),
        ("address", {"postal_code": "9" * 21}),
    ],
)
def test_patient_text_over_its_limit_is_refused(api: httpx.Client, practice: Practice, field: str, value: Json) -> None:
    _refused(api.post(f"{practice.base}/patients", json=_person(**{field: value})), "BAD_INPUT", field)


def test_a_five_megabyte_note_is_refused(api: httpx.Client, practice: Practice) -> None:
    body = {"template_id": "leyr_unstructured", "title": "Huge", "content": {"unstructured": "x" * 5_000_000}}
    response = api.post(f"{practice.base}/patients/{practice.patient_id}/medical-notes", json=body)
    _refused(response, "BAD_INPUT", "content")


def test_a_long_appointment_id_list_item_is_refused(api: httpx.Client, practice: Practice) -> None:
    response = api.patch(f"{practice.base}/appointments", json={"ids": ["1" * 101], "comment": "x"})
    _refused(response, "BAD_INPUT", "ids")


# ---- slow and silent clients ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("medley-slow-clients")
    env = {
        **UNLIMITED_ENV,
        "MEDLEY_REQUEST_HEADER_TIMEOUT_SECONDS": str(HEADER_SECONDS),
        "MEDLEY_REQUEST_BODY_TIMEOUT_SECONDS": str(BODY_SECONDS),
        "MEDLEY_KEEP_ALIVE_TIMEOUT_SECONDS": "1",
    }
    with running_medley("serve", env, data_dir) as url:
        yield url


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[float, bytes]:
    """Send ``trickle`` a byte every 0.2 s until the server closes; how long it took and what it answered."""
    began = time.monotonic()
    answer = b""
    sock.settimeout(0.2)
    sent = 0
    while time.monotonic() - began < seconds:
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except OSError:
                break
            sent += 1
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        answer += chunk
    return time.monotonic() - began, answer


def test_a_silent_connection_is_closed(strict_url: str) -> None:
    with _connect(strict_url) as sock:
        took, answer = _closed_within(sock, 10)
    assert answer == b"" and took < HEADER_SECONDS + 2, took


def test_headers_sent_a_byte_at_a_time_are_cut_off(strict_url: str) -> None:
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with _connect(strict_url) as sock:
        took, answer = _closed_within(sock, 10, head)
    assert answer == b"" and took < HEADER_SECONDS + 2, (took, answer[:100])


def test_a_body_sent_a_byte_at_a_time_is_refused_with_408(strict_url: str) -> None:
    headers = "".join(f"{k}: {v}\r\n" for k, v in SANDBOX_HEADERS.items())
    head = (
        f"POST /api/emrs/cliniko/care-units/{cliniko_id(1001)}/patients HTTP/1.1\r\nHost: x\r\n"
        f"{headers}Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    ).encode()
    with _connect(strict_url) as sock:
        sock.sendall(head)
        took, answer = _closed_within(sock, 10, b"{" + b" " * 398 + b"}")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert took < BODY_SECONDS + 2, took


def test_an_idle_keep_alive_connection_is_closed(strict_url: str) -> None:
    with _connect(strict_url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        took, answer = _closed_within(sock, 10)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert took < 1 + 2, took


def test_a_normal_request_is_unaffected(strict_url: str) -> None:
    with httpx.Client(base_url=strict_url + "/api", headers=SANDBOX_HEADERS, timeout=30) as api:
        assert api.get("/emrs/cliniko/care-units").status_code == 200
        time.sleep(HEADER_SECONDS + 0.5)  # a pause longer than the header deadline, between requests
        assert api.get("/emrs/cliniko/care-units").status_code == 200

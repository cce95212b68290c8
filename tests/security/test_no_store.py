"""Answers that carry patient data or clinical content are never cacheable: every ``/api`` answer, success or
problem, says ``Cache-Control: no-store``, and so does every problem document wherever it comes from."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.security.conftest import Gateway


def _assert_no_store(response: httpx.Response) -> None:
    assert response.headers.get("cache-control") == "no-store", (response.request.url, response.headers)


def test_patient_reads_are_not_cacheable(api: httpx.Client, care_unit_path: str) -> None:
    patients = api.get(f"{care_unit_path}/patients")
    assert patients.status_code == 200, patients.text
    _assert_no_store(patients)
    patient_id = patients.json()[0]["id"]
    for path in (
        f"{care_unit_path}/patients/{patient_id}",
        f"{care_unit_path}/patients/{patient_id}/medical-notes",
        f"{care_unit_path}/patients/{patient_id}/documents",
        f"{care_unit_path}/appointments",
    ):
        response = api.get(path)
        assert response.status_code == 200, response.text
        _assert_no_store(response)


def test_reference_reads_are_not_cacheable_either(api: httpx.Client, care_unit_path: str) -> None:
    for path in ("/emrs", "/emrs/cliniko/care-units", f"{care_unit_path}/resources"):
        response = api.get(path)
        assert response.status_code == 200, response.text
        _assert_no_store(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/emrs/cliniko/care-units/{unit}/patients/nhs_number:9434765919", 400),
        ("/emrs/cliniko/care-units/{unit}/patients/999999999", 404),
        ("/no/such/route", 404),
    ],
)
def test_problems_are_not_cacheable(api: httpx.Client, care_unit_path: str, path: str, status: int) -> None:
    response = api.get(path.replace("/emrs/cliniko/care-units/{unit}", care_unit_path))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    _assert_no_store(response)


def test_unauthenticated_and_oversized_requests_are_not_cacheable(gateway: Gateway) -> None:
    unauthenticated = httpx.get(gateway.url + "/api/emrs", timeout=30.0)
    assert unauthenticated.status_code == 401
    _assert_no_store(unauthenticated)
    # Refused before the body is read, by the outermost request middleware: a raw request announces a body it
    # never sends.
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30.0) as sock:
        sock.sendall(
            b"POST /api/emrs/cliniko/care-units/1/patients HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n"
        )
        head = sock.recv(65536).split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 413"), head
    assert b"\r\ncache-control: no-store" in head, head

"""NUL characters (U+0000) in any client text are refused with a 400 before anything reaches the EHR, on both
stores: PostgreSQL cannot hold U+0000 in text, so behind Cliniko (and the sandbox on PostgreSQL) they used to
fail the whole request with a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hostile.conftest import Practice
from tests.support.postgres import admin_url, scratch_database
from tests.support.sandbox_gateway import UNLIMITED_ENV
from tests.support.server import running_medley

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = dict(UNLIMITED_ENV)
    with ExitStack() as stack:
        if request.param == "postgres":
            if admin_url() is None:
                pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
            url = stack.enter_context(scratch_database("medley_hostile"))
            env |= {"MEDLEY_DATABASE_URL": url, "MEDLEY_SANDBOX_DATABASE_URL": url}
        data_dir: Path = tmp_path_factory.mktemp("medley-nul")
        yield stack.enter_context(running_medley("serve", env, data_dir))


def _assert_nul_refused(response: httpx.Response, path: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "BAD_REQUEST"
    assert [(e["error_code"], e["path"]) for e in body["errors"]] == [("BAD_INPUT", path)]


def _patients(api: httpx.Client, practice: Practice) -> int:
    response = api.get(f"{practice.base}/patients")
    assert response.status_code == 200, response.text
    return len(response.json())


@pytest.mark.parametrize(
    "person",
    [
        {"first_name": "Nul\u0000l", "last_name": "Byte"},
        {"first_name": "Nul", "last_name": "Byte", "external_id": "ext-\u0000"},
        {"first_name": "Nul", "last_name": "Byte", "address": {"line1": "1 \u0000 St"}},
        {"first_name": "Nul", "last_name": "Byte", "emails": ["a\u0000@example.org"]},
    ],
)
def test_a_patient_with_a_nul_anywhere_is_refused_and_not_written(
    api: httpx.Client, practice: Practice, person: dict[str, Any]
) -> None:
    before = _patients(api, practice)
    _assert_nul_refused(api.post(f"{practice.base}/patients", json=person), "body")
    assert _patients(api, practice) == before


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "phone", "external_id"])
def test_a_search_value_with_a_nul_is_refused(api: httpx.Client, practice: Practice, field: str) -> None:
    response = api.get(f"{practice.base}/patients", params={field: "a\u0000b"})
    _assert_nul_refused(response, f"query.{field}")


def test_a_document_title_with_a_nul_is_refused_and_not_written(api: httpx.Client, practice: Practice) -> None:
    documents = f"{practice.base}/patients/{practice.patient_id}/documents"
    before = api.get(documents).json()
    response = api.post(documents, json={"content": "QUJD", "format": "text/plain", "title": "a\u0000b"})
    _assert_nul_refused(response, "body")
    assert api.get(documents).json() == before


def test_a_note_with_a_nul_in_its_content_is_refused_and_not_written(api: httpx.Client, practice: Practice) -> None:
    notes = f"{practice.base}/patients/{practice.patient_id}/medical-notes"
    before = api.get(notes).json()
    note = {"template_id": "leyr_unstructured", "content": {"unstructured": "a\u0000b"}}
    _assert_nul_refused(api.post(notes, json=note), "body")
    assert api.get(notes).json() == before


def test_a_nul_in_a_path_id_is_refused(server_url: str, practice: Practice, api: httpx.Client) -> None:
    response = api.get(f"{server_url}/api{practice.base}/patients/1%00")
    _assert_nul_refused(response, "path.patient_id")


def test_an_escaped_backslash_before_u0000_is_ordinary_text(api: httpx.Client, practice: Practice) -> None:
    # The JSON text "\\u0000" is a backslash followed by "u0000", not a NUL: it is accepted as written.
    body = b'{"first_name": "Back\\\\u0000slash", "last_name": "Text", "birth_date": "1970-01-01"}'
    response = api.post(f"{practice.base}/patients", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 201), response.text
    assert response.json()["first_name"] == "Back\\u0000slash"

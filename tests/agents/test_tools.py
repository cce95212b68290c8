"""The MCP tools as an AI receptionist uses them, over real HTTP against ``medley serve``, with the SDK's client;
what they did is checked through the REST API."""

from __future__ import annotations

import re

import httpx
import pytest

from medley.agents.http import transport_security
from medley.config import Settings
from medley.connectors.registry import known_emrs
from tests.agents.conftest import Deployment, agent, book, call, days_ahead, new_key, new_person, refused
from tests.integrity.deployment import SANDBOX_APP
from tests.support.agent_tools import slot_booking

TOOLS = {
    "list_clinics",
    "find_services",
    "find_available_times",
    "find_or_create_patient",
    "book_appointment",
    "list_patient_appointments",
    "reschedule_appointment",
    "cancel_appointment",
}
READ_ONLY = {"list_clinics", "find_services", "find_available_times", "list_patient_appointments"}


async def _first_clinic(client: object) -> str:
    clinics = (await call(client, "list_clinics"))["clinics"]  # type: ignore[arg-type]
    assert clinics and all(c["clinic"].split("/")[0] in known_emrs() for c in clinics)
    return str(clinics[0]["clinic"])


def _care_unit_path(clinic: str) -> str:
    emr, unit = clinic.split("/")
    return f"/emrs/{emr}/care-units/{unit}"


async def test_lists_the_eight_tools_with_schemas_and_annotations(deployment: Deployment) -> None:
    async with agent(deployment.url) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for name, tool in tools.items():
        assert tool.description and len(tool.description) > 40, name
        assert tool.output_schema is not None and "message" in tool.output_schema["properties"], name
        assert tool.annotations is not None and tool.annotations.read_only_hint is (name in READ_ONLY), name
    for write in TOOLS - READ_ONLY:
        assert "idempotency_key" in tools[write].input_schema["properties"], write
        assert tools[write].annotations.idempotent_hint is True  # type: ignore[union-attr]
    assert "idempotency_key" in tools["book_appointment"].input_schema["required"]
    assert tools["cancel_appointment"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["book_appointment"].annotations.destructive_hint is False  # type: ignore[union-attr]


async def test_find_book_see_reschedule_and_cancel(deployment: Deployment) -> None:
    async with agent(deployment.url) as client, deployment.rest() as rest:
        clinic = await _first_clinic(client)
        services = (await call(client, "find_services", clinic=clinic))["services"]
        service = next(s for s in services if s["practitioners"])
        # Said loosely, the service is still found.
        found = await call(client, "find_services", clinic=clinic, name=service["name"].lower()[:-1])
        assert found["services"][0]["service_id"] == service["service_id"]

        times = await call(
            client, "find_available_times", clinic=clinic, service=service["service_id"], from_date=days_ahead(2)
        )
        assert times["times"] and len(times["times"]) <= 5
        assert [t["start"] for t in times["times"]] == sorted(t["start"] for t in times["times"])
        slot = times["times"][0]
        assert slot["when"] in times["message"] and " at " in slot["when"]

        patient = await call(client, "find_or_create_patient", clinic=clinic, **new_person())
        assert patient["created"] is True
        booked = await book(client, clinic, patient["patient_id"], slot)
        appointment = booked["appointment"]
        assert appointment["start"] == slot["start"] and appointment["when"] == slot["when"]

        # The booking is a real one: the REST API sees it.
        path = _care_unit_path(clinic)
        seen = (await rest.get(f"{path}/appointments/{appointment['appointment_id']}")).json()
        assert seen["patient_id"] == patient["patient_id"] and seen["resource_id"] == slot["practitioner_id"]
        assert seen["status"] == "booked"

        listed = await call(client, "list_patient_appointments", clinic=clinic, patient_id=patient["patient_id"])
        assert [a["appointment_id"] for a in listed["appointments"]] == [appointment["appointment_id"]]

        later = await call(
            client,
            "find_available_times",
            clinic=clinic,
            service=service["service_id"],
            practitioner=slot["practitioner_id"],
            from_date=days_ahead(5),
            part_of_day="afternoon",
            limit=3,
        )
        target = later["times"][0]
        assert target["start"] > slot["start"]
        moved = await call(
            client,
            "reschedule_appointment",
            clinic=clinic,
            patient_id=patient["patient_id"],
            appointment_id=appointment["appointment_id"],
            new_start=target["start"],
            idempotency_key=new_key(),
        )
        assert moved["rescheduled"] is True and moved["appointment"]["start"] == target["start"]
        seen = (await rest.get(f"{path}/appointments/{appointment['appointment_id']}")).json()
        assert seen["start"] == moved["appointment"]["start"] or seen["start"].startswith(target["start"][:16])

        cancelled = await call(
            client,
            "cancel_appointment",
            clinic=clinic,
            patient_id=patient["patient_id"],
            appointment_id=appointment["appointment_id"],
            idempotency_key=new_key(),
        )
        assert cancelled["cancelled"] is True
        seen = (await rest.get(f"{path}/appointments/{appointment['appointment_id']}")).json()
        assert seen["status"] == "cancelled"
        listed = await call(client, "list_patient_appointments", clinic=clinic, patient_id=patient["patient_id"])
        assert listed["appointments"] == []


async def test_a_retried_booking_with_the_same_key_books_once(deployment: Deployment) -> None:
    async with agent(deployment.url) as client, deployment.rest() as rest:
        clinic = await _first_clinic(client)
        slot = (await call(client, "find_available_times", clinic=clinic, from_date=days_ahead(3)))["times"][0]
        patient = await call(client, "find_or_create_patient", clinic=clinic, **new_person())
        booking = {**slot_booking(clinic, slot), "patient_id": patient["patient_id"], "idempotency_key": new_key()}
        first = await call(client, "book_appointment", **booking)
        again = await call(client, "book_appointment", **booking)
        assert first == again
        # The same key for another request is refused, not carried out.
        other = await refused(client, "book_appointment", **{**booking, "start": slot["end"]})
        assert "IDEMPOTENCY_KEY_REUSED" in other
        made = await rest.get(f"{_care_unit_path(clinic)}/appointments", params={"patient_id": patient["patient_id"]})
        assert [a["id"] for a in made.json()] == [first["appointment"]["appointment_id"]]


async def test_a_taken_time_answers_with_the_nearest_alternatives(deployment: Deployment) -> None:
    async with agent(deployment.url) as client:
        clinic = await _first_clinic(client)
        slot = (await call(client, "find_available_times", clinic=clinic, from_date=days_ahead(4)))["times"][0]
        first = await call(client, "find_or_create_patient", clinic=clinic, **new_person())
        second = await call(client, "find_or_create_patient", clinic=clinic, **new_person())
        booking = slot_booking(clinic, slot)
        won = await call(
            client, "book_appointment", patient_id=first["patient_id"], idempotency_key=new_key(), **booking
        )
        assert won["booked"] is True
        lost = await call(
            client, "book_appointment", patient_id=second["patient_id"], idempotency_key=new_key(), **booking
        )
    assert lost["booked"] is False and lost["appointment"] is None
    alternatives = lost["alternatives"]
    assert 1 <= len(alternatives) <= 3
    assert all(a["service_id"] == slot["service_id"] for a in alternatives)
    assert not any(
        a["start"] == slot["start"] and a["practitioner_id"] == slot["practitioner_id"] for a in alternatives
    )
    assert alternatives[0]["when"] in lost["message"]


async def test_answers_carry_no_date_of_birth_phone_or_email(deployment: Deployment) -> None:
    person = {**new_person(), "date_of_birth": "1971-03-14"}
    async with agent(deployment.url) as client:
        clinic = await _first_clinic(client)
        for _ in range(2):  # created, then found again
            result = await client.call_tool(
                "find_or_create_patient", {"clinic": clinic, **person, "phone": "+61 491 570 156"}
            )
            shown = str(result.content) + str(result.structured_content)
            assert not result.is_error, shown
            # Whole values, not digit runs: a random id may well contain "570".
            assert not re.search(r"\b1971\b", shown) and "example.org" not in shown
            assert not re.search(r"491\D{0,3}570\D{0,3}156", shown), "the phone number was shown"
        # A refused value is not echoed either.
        refusal = await refused(
            client, "find_or_create_patient", clinic=clinic, **{**person, "date_of_birth": "1971-13-45"}
        )
        assert "date_of_birth" in refusal and not re.search(r"\b1971\b", refusal)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"clinic": "1001"}, "INVALID_CARE_UNIT_ID"),
        ({"clinic": "nonesuch/1001"}, "INVALID_EMR"),
        ({"clinic": "cliniko/999999999"}, "INVALID_CARE_UNIT_ID"),
        ({"clinic": "cliniko/../etc"}, "INVALID_CARE_UNIT_ID"),
        ({"limit": 500}, "limit"),
        ({"part_of_day": "midnight"}, "part_of_day"),
        ({"from_date": "next tuesday"}, "from_date"),
        ({"service": "zzzz qqqq"}, "INVALID_HEALTHCARE_SERVICE_ID"),
        ({"practitioner": "Nobody Atall"}, "INVALID_RESOURCE_ID"),
        ({"from_date": "2030-01-10", "to_date": "2030-01-01"}, "INVALID_TIME_WINDOW"),
        ({"from_date": "2030-01-01", "to_date": "2030-12-31"}, "INVALID_TIME_WINDOW"),
    ],
)
async def test_bad_input_gives_a_clear_tool_error(
    deployment: Deployment, arguments: dict[str, object], expected: str
) -> None:
    async with agent(deployment.url) as client:
        clinic = await _first_clinic(client)
        text = await refused(client, "find_available_times", **{"clinic": clinic, **arguments})
        assert expected in text
        # The server carries on.
        assert (await call(client, "list_clinics"))["clinics"]


async def test_writes_refuse_bad_ids_and_missing_keys(deployment: Deployment) -> None:
    async with agent(deployment.url) as client:
        clinic = await _first_clinic(client)
        slot = (await call(client, "find_available_times", clinic=clinic, from_date=days_ahead(6)))["times"][0]
        booking = {**slot_booking(clinic, slot), "patient_id": "1"}
        assert "idempotency_key" in await refused(client, "book_appointment", **booking)
        bad_service = await refused(
            client, "book_appointment", **{**booking, "service_id": "987654321", "idempotency_key": new_key()}
        )
        assert "INVALID_HEALTHCARE_SERVICE_ID" in bad_service
        assert "INVALID_PATIENT_ID" in await refused(
            client, "book_appointment", **{**booking, "patient_id": "a/b", "idempotency_key": new_key()}
        )
        assert "INVALID_APPOINTMENT_ID" in await refused(
            client,
            "cancel_appointment",
            clinic=clinic,
            patient_id="1",
            appointment_id="987654321",
            idempotency_key=new_key(),
        )
        assert "Unknown tool" in await refused(client, "drop_tables")


async def test_the_endpoint_wants_the_rest_api_credentials(deployment: Deployment) -> None:
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(base_url=deployment.url, timeout=30.0) as http:
        missing = await http.post("/mcp", json=listing, headers=accept)
        assert missing.status_code == 401 and missing.json()["code"] == "UNAUTHORIZED"
        wrong = {**SANDBOX_APP.headers, "x-leyr-client-secret": "not-the-secret"}
        assert (await http.post("/mcp", json=listing, headers={**accept, **wrong})).status_code == 401
        # A page of another site pointing its name at this server (DNS rebinding) is refused.
        rebound = await http.post("/mcp", json=listing, headers={**accept, **SANDBOX_APP.headers, "host": "evil.test"})
        assert rebound.status_code == 421


def test_allowed_hosts_are_a_setting() -> None:
    default = transport_security(Settings())
    assert default.enable_dns_rebinding_protection and "127.0.0.1:*" in default.allowed_hosts
    served = transport_security(
        Settings(mcp_allowed_hosts="medley.example.org", public_url="https://api.clinic.example:8443")
    )
    assert served.allowed_hosts == ["medley.example.org", "api.clinic.example:8443"]
    assert "https://medley.example.org" in served.allowed_origins
    assert not transport_security(Settings(mcp_allowed_hosts="*")).enable_dns_rebinding_protection


async def test_llms_txt_describes_the_rest_api(deployment: Deployment) -> None:
    async with httpx.AsyncClient(base_url=deployment.url, timeout=30.0) as http:
        text = (await http.get("/llms.txt")).text
    assert text.startswith("# Medley") and "x-leyr-client-id" in text and "/api/emrs/{emr}/care-units" in text
    assert "book_appointment" in text

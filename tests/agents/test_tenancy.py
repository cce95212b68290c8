"""One MCP endpoint, several applications: each sees only what its own connections reach, and every tool call is
in the caller's audit trail, naming the tool."""

from __future__ import annotations

import json

from tests.agents.conftest import Deployment, agent, book, call, days_ahead, new_key, new_person, refused
from tests.integrity.deployment import GATEWAY_ENV, SANDBOX_APP, medley_cli


async def _book_for_other_application(deployment: Deployment) -> dict[str, object]:
    """An appointment in the other clinic group's EHR, booked by that application through its own tools."""
    async with agent(deployment.url, deployment.other) as client:
        clinic = (await call(client, "list_clinics"))["clinics"][0]["clinic"]
        times = (await call(client, "find_available_times", clinic=clinic, from_date=days_ahead(8)))["times"]
        slot = times[-1]  # not the first free time, which the sandbox's own tests may book too
        patient = await call(client, "find_or_create_patient", clinic=clinic, **new_person())
        booked = await book(client, clinic, patient["patient_id"], slot)
        return {"clinic": clinic, "patient_id": patient["patient_id"], **booked["appointment"]}


async def test_another_applications_appointment_is_invisible(deployment: Deployment) -> None:
    theirs = await _book_for_other_application(deployment)
    async with agent(deployment.url, SANDBOX_APP) as client:
        listed = await call(
            client,
            "list_patient_appointments",
            clinic=theirs["clinic"],
            patient_id=theirs["patient_id"],
            include_past=True,
        )
        assert not any(
            a["appointment_id"] == theirs["appointment_id"] and a["start"] == theirs["start"]
            for a in listed["appointments"]
        )
        cancelling = await client.call_tool(
            "cancel_appointment",
            {
                "clinic": theirs["clinic"],
                "patient_id": theirs["patient_id"],
                "appointment_id": theirs["appointment_id"],
                "idempotency_key": new_key(),
            },
        )
        assert cancelling.is_error, cancelling.structured_content
    # Still booked, as its own application sees it.
    async with agent(deployment.url, deployment.other) as client:
        listed = await call(
            client, "list_patient_appointments", clinic=theirs["clinic"], patient_id=theirs["patient_id"]
        )
        assert [a["appointment_id"] for a in listed["appointments"]] == [theirs["appointment_id"]]


async def test_an_application_without_connections_reaches_no_clinic(deployment: Deployment) -> None:
    async with agent(deployment.url, deployment.unconnected) as client:
        assert (await call(client, "list_clinics"))["clinics"] == []
        text = await refused(client, "find_services", clinic="cliniko/1001")
        assert "INVALID_EMR" in text and "no 'cliniko' connection" in text


async def test_every_tool_call_is_audited_with_the_tools_name(deployment: Deployment) -> None:
    async with agent(deployment.url, deployment.other) as client:
        clinic = (await call(client, "list_clinics"))["clinics"][0]["clinic"]
        await call(client, "find_services", clinic=clinic)
        await refused(client, "find_available_times", clinic=clinic, limit=0)
    trail = medley_cli(
        ["audit", "--app", deployment.other.client_id, "--json", "--limit", "50"], GATEWAY_ENV, deployment.data_dir
    )
    events = [json.loads(line) for line in trail.splitlines() if line.strip()]
    operations: dict[str, dict[str, object]] = {}
    for event in events:  # newest first: the calls just made
        operations.setdefault(event["operation"], event)
    assert {"mcp.list_clinics", "mcp.find_services", "mcp.find_available_times"} <= set(operations)
    assert operations["mcp.find_services"]["status"] == 200 and operations["mcp.find_services"]["path"] == "/mcp"
    assert operations["mcp.find_available_times"]["status"] == 400

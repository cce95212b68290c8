"""A real ``medley serve`` with three applications, driven over HTTP with the MCP SDK's own client.

``sandbox`` is the built-in sandbox practice; ``other`` has a live connection to an emulator process of its own
(another clinic group's EHR); ``unconnected`` has no connection at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.integrity.deployment import (
    GATEWAY_ENV,
    SANDBOX_APP,
    AppCredentials,
    create_app,
    live_app,
    running_emulator,
    running_gateway,
)
from tests.support.agent_tools import slot_booking

Json = Any


@dataclass(frozen=True)
class Deployment:
    url: str
    data_dir: Path
    other: AppCredentials
    unconnected: AppCredentials

    def rest(self, app: AppCredentials = SANDBOX_APP) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url + "/api", headers=app.headers, timeout=60.0)


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir = tmp_path_factory.mktemp("agents-gateway")
    with running_emulator(tmp_path_factory.mktemp("agents-emulator")) as emulator:
        other = live_app(GATEWAY_ENV, data_dir, "Another clinic group", emulator.v1)
        unconnected = create_app(GATEWAY_ENV, data_dir, "Not connected")
        with running_gateway(data_dir) as url:
            yield Deployment(url, data_dir, other, unconnected)


@asynccontextmanager
async def agent(url: str, app: AppCredentials = SANDBOX_APP) -> AsyncIterator[Client]:
    """An MCP client as a voice platform configures one: the endpoint and two fixed headers."""
    async with (
        httpx2.AsyncClient(headers=app.headers, timeout=60.0) as http,
        Client(streamable_http_client(url + "/mcp", http_client=http)) as client,
    ):
        yield client


async def call(client: Client, tool: str, **arguments: Json) -> dict[str, Json]:
    """A tool's structured answer; its text must be the answer's message."""
    result = await client.call_tool(tool, arguments)
    text = result.content[0].text if result.content and hasattr(result.content[0], "text") else ""
    assert not result.is_error, text
    assert result.structured_content is not None
    assert text == result.structured_content["message"]
    return dict(result.structured_content)


async def refused(client: Client, tool: str, **arguments: Json) -> str:
    """The text of a tool error (a result marked is_error, never a protocol failure)."""
    result = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error, json.dumps(result.structured_content)
    return text


async def book(client: Client, clinic: str, patient_id: str, slot: dict[str, Json]) -> dict[str, Json]:
    """Book a time ``find_available_times`` offered for the patient, with a new idempotency key; it must book."""
    booked = await call(
        client, "book_appointment", **slot_booking(clinic, slot), patient_id=patient_id, idempotency_key=new_key()
    )
    assert booked["booked"] is True, booked["message"]
    return booked


def days_ahead(days: int) -> str:
    """A first day to search from, so that no found time is about to pass during a test."""
    return (date.today() + timedelta(days=days)).isoformat()


def new_key() -> str:
    return f"call_{uuid.uuid4().hex}"


def new_person() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    # An e-mail address too: some EHRs (Acuity) book only patients who have one.
    return {
        "first_name": "Agent",
        "last_name": f"Test{tag}",
        "date_of_birth": "1984-07-19",
        "email": f"agent.{tag}@example.org",
    }

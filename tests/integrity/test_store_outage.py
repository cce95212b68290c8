"""Our own store unreachable (PostgreSQL refusing connections): every request that needs it is a 503
``SERVICE_UNAVAILABLE`` problem with ``Retry-After`` on a keep-alive connection that stays usable, ``/ready``
says 503 until the store is back, ``/health`` stays a pure liveness probe, and service resumes unrestarted."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.integrity.deployment import Emulator
from tests.integrity.relay import FaultRelay
from tests.integrity.replicas import Stack, running_stack
from tests.support.postgres import admin_url, scratch_database
from tests.support.tcp_switch import TcpSwitch, tcp_switch

Json = Any

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def outage(
    tmp_path_factory: pytest.TempPathFactory, emulator: Emulator, relay: FaultRelay
) -> Iterator[tuple[Stack, TcpSwitch]]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with scratch_database("medley_outage") as direct:
        url = make_url(direct)
        with tcp_switch(url.host or "127.0.0.1", url.port or 5432) as switch:
            through = url.set(host="127.0.0.1", port=switch.port).render_as_string(hide_password=False)
            root = tmp_path_factory.mktemp("store-outage")
            with running_stack(root, store_url=through, emulator=emulator, relay=relay) as gateway:
                yield gateway, switch


class _KeepAlive:
    """One HTTP/1.1 connection, reused for every request (as a client's pool would)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = headers

    def request(self, method: str, path: str, body: Json = None, **headers: str) -> tuple[int, dict[str, str], Json]:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {**self.headers, **headers, **({"Content-Type": "application/json"} if payload else {})}
        self.connection.request(method, path, body=payload, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(data) if data else None


def _patient() -> dict[str, Json]:
    tag = uuid.uuid4().hex[:8]
    return {"first_name": "Ottoline", "last_name": f"Brackenbury-{tag}", "birth_date": "1968-02-11"}


def test_a_store_outage_is_a_503_on_a_connection_that_stays_usable(outage: tuple[Stack, TcpSwitch]) -> None:
    gateway, switch = outage
    client = _KeepAlive(gateway.gateways[0], gateway.app.headers)
    status, _, units = client.request("GET", "/api/emrs/cliniko/care-units")
    assert status == 200, units
    patients = f"/api/emrs/cliniko/care-units/{units[0]['id']}/patients"
    assert client.request("GET", "/ready")[0] == 200
    socket_before = client.connection.sock

    switch.off()
    try:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        status, headers, problem = client.request("POST", patients, _patient(), **key)
        assert status == 503, problem
        assert problem["code"] == "SERVICE_UNAVAILABLE"
        assert problem["errors"][0]["error_code"] == "STORE_UNAVAILABLE"
        assert int(headers["retry-after"]) >= 1
        assert headers.get("connection") != "close"
        status, headers, problem = client.request("GET", "/ready")
        assert (status, problem["code"]) == (503, "SERVICE_UNAVAILABLE")
        assert int(headers["retry-after"]) >= 1
        assert client.request("GET", "/health")[0] == 200, "liveness does not depend on the store"
        assert client.connection.sock is socket_before, "the keep-alive connection was kept"
    finally:
        switch.on()

    deadline = time.monotonic() + 15
    while client.request("GET", "/ready")[0] != 200:
        assert time.monotonic() < deadline, "still not ready after the store came back"
        time.sleep(0.2)
    status, _, created = client.request("POST", patients, _patient(), **{"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, created
    assert client.connection.sock is socket_before

"""Who may call the emulator: Cliniko's Basic API-key auth, its shard rule and its User-Agent rule."""

from __future__ import annotations

import base64

import httpx

from medley.sandbox.cliniko.server import ClinikoSandbox
from tests.sandbox.emulator import USER_AGENT, client_for


async def test_the_api_key_opens_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/user")
    assert response.status_code == 200
    assert response.json()["role"] == "practitioner"


async def test_a_wrong_key_gets_rails_plain_text_401(sandbox: ClinikoSandbox) -> None:
    async with client_for(sandbox, auth=("not-the-key-au1", "")) as stranger:
        response = await stranger.get("/patients")
    assert response.status_code == 401
    assert response.text == "HTTP Basic: Access denied.\n"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["www-authenticate"] == 'Basic realm="Application"'


async def test_no_credentials_at_all_is_401(sandbox: ClinikoSandbox) -> None:
    async with client_for(sandbox, auth=None) as anonymous:
        response = await anonymous.get("/businesses")
    assert response.status_code == 401


async def test_the_key_is_accepted_without_its_shard_suffix(sandbox: ClinikoSandbox) -> None:
    bare_key = sandbox.api_key.rsplit("-", 1)[0]
    async with client_for(sandbox, auth=(bare_key, "ignored-password")) as bare:
        assert (await bare.get("/user")).status_code == 200


async def test_a_request_to_another_shards_host_is_refused(sandbox: ClinikoSandbox) -> None:
    async with client_for(sandbox) as http:
        wrong = await http.get("/user", headers={"Host": "api.uk1.cliniko.com"})
        right = await http.get("/user", headers={"Host": "api.au1.cliniko.com"})
    assert wrong.status_code == 401
    assert right.status_code == 200


async def test_a_missing_or_empty_user_agent_is_403(sandbox: ClinikoSandbox) -> None:
    async with client_for(sandbox, headers={"User-Agent": ""}) as nameless:
        response = await nameless.get("/user")
    assert response.status_code == 403
    assert response.json() == {"message": "Requires a user agent"}
    async with client_for(sandbox) as http:
        request = http.build_request("GET", "/user")
        del request.headers["user-agent"]
        request.headers["authorization"] = basic_auth(sandbox.api_key)
        assert (await http.send(request, auth=None)).status_code == 403


async def test_user_agent_and_key_are_checked_before_the_route(sandbox: ClinikoSandbox) -> None:
    async with client_for(sandbox, auth=("wrong", ""), headers={"User-Agent": USER_AGENT}) as stranger:
        assert (await stranger.get("/no-such-route")).status_code == 401


def basic_auth(user_name: str) -> str:
    return "Basic " + base64.b64encode(f"{user_name}:".encode()).decode()

"""The Cliniko HTTP client against a scripted upstream: auth, retries, 429s, errors, paging, files, logs."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from medley.config import Settings
from medley.connectors.cliniko.client import ClinikoClient, base_url_for, shard_of
from medley.connectors.cliniko.errors import ClinikoNotFound, UnknownOutcome
from medley.connectors.rate_budget import LocalRateBudget
from medley.domain.errors import DetailCode, ErrorCode, MedleyError
from tests.connectors.cliniko.fake_upstream import FakeUpstream, html, reply
from tests.support.asgi_server import served

API_KEY = "MS0xLWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6-au2"
BASE = "http://cliniko.test/v1"


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "upstream_timeout_seconds": 2.0,
        "upstream_max_retries": 2,
        "upstream_concurrency": 8,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
async def client(upstream: FakeUpstream) -> AsyncIterator[ClinikoClient]:
    client = ClinikoClient(
        API_KEY,
        settings=settings(),
        base_url=BASE,
        transport=upstream.transport(),
        rate_budget=LocalRateBudget(1000),
        backoff_base_seconds=0.01,
    )
    yield client
    await client.aclose()


# ---- shard and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shard"),
    [
        ("abc123-uk2", "uk2"),
        ("MS0x-with-dashes-au3", "au3"),
        ("KEY-US1", "us1"),
        ("key-without-shard", "au1"),
        ("legacykey", "au1"),
        ("abc-ca12", "ca12"),
    ],
)
def test_the_shard_is_the_keys_last_segment_or_au1(key: str, shard: str) -> None:
    assert shard_of(key) == shard


def test_the_base_url_follows_the_shard() -> None:
    assert base_url_for("abc-eu1") == "https://api.eu1.cliniko.com/v1"


async def test_requests_carry_basic_auth_user_agent_and_json_headers(
    client: ClinikoClient, upstream: FakeUpstream
) -> None:
    upstream.on("GET", "/v1/user", reply(200, {"id": "1"}))
    upstream.on("POST", "/v1/patients", reply(201, {"id": "2"}))
    await client.get("/user")
    await client.post("/patients", {"first_name": "A", "last_name": "B"})
    get, post = upstream.seen
    expected_auth = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert get.headers["authorization"] == expected_auth
    assert get.headers["accept"] == "application/json"
    assert get.headers["user-agent"].startswith("Medley/")
    assert "@" in get.headers["user-agent"]  # Cliniko asks for a contact email
    assert post.headers["content-type"] == "application/json"


# ---- retries -------------------------------------------------------------------------------------


async def test_a_read_is_retried_after_a_503_and_succeeds(client: ClinikoClient, upstream: FakeUpstream) -> None:
    upstream.on("GET", "/v1/businesses/1", reply(503, "busy"), reply(200, {"id": "1"}))
    assert await client.get("/businesses/1") == {"id": "1"}
    assert len(upstream.requests_to("GET", "/v1/businesses/1")) == 2


async def test_a_read_that_keeps_failing_becomes_an_emr_error_with_the_upstream_status(
    client: ClinikoClient, upstream: FakeUpstream
) -> None:
    upstream.on("GET", "/v1/businesses/1", html(500))
    with pytest.raises(MedleyError) as caught:
        await client.get("/businesses/1")
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert caught.value.status == 502
    emr = caught.value.errors[0].emr_error
    assert emr is not None and emr["status"] == 500
    assert "HTML" in emr["message"]  # an HTML error page is described, never parsed as JSON
    assert len(upstream.requests_to("GET", "/v1/businesses/1")) == 3  # first try + 2 retries


async def test_a_post_answered_503_is_never_retried(client: ClinikoClient, upstream: FakeUpstream) -> None:
    upstream.on("POST", "/v1/individual_appointments", reply(503, "busy"))
    with pytest.raises(UnknownOutcome) as caught:
        await client.post("/individual_appointments", {"starts_at": "2026-01-01T00:00:00Z"})
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert len(upstream.requests_to("POST", "/v1/individual_appointments")) == 1


async def test_a_post_that_times_out_is_an_unknown_outcome_sent_once() -> None:
    upstream = FakeUpstream()
    upstream.on("POST", "/v1/patients", reply(201, {"id": "1"}, delay=1.0))
    async with served(upstream.app) as url:
        client = ClinikoClient(
            API_KEY,
            settings=settings(upstream_timeout_seconds=0.3),
            base_url=f"{url}/v1",
            rate_budget=LocalRateBudget(100),
        )
        try:
            with pytest.raises(UnknownOutcome) as caught:
                await client.post("/patients", {"first_name": "A", "last_name": "B"})
        finally:
            await client.aclose()
    assert caught.value.code == ErrorCode.TIMEOUT
    assert caught.value.status == 504
    assert len(upstream.requests_to("POST", "/v1/patients")) == 1


async def test_an_unreachable_cliniko_is_an_emr_error_after_retries() -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    refused = httpx.MockTransport(refuse)
    client = ClinikoClient(
        API_KEY,
        settings=settings(),
        base_url=BASE,
        transport=refused,
        rate_budget=LocalRateBudget(100),
        backoff_base_seconds=0.001,
    )
    try:
        with pytest.raises(MedleyError) as caught:
            await client.get("/businesses")
    finally:
        await client.aclose()
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert len(attempts) == 3


# ---- 429 -----------------------------------------------------------------------------------------


async def test_a_429_is_waited_out_until_the_reset_then_retried(client: ClinikoClient, upstream: FakeUpstream) -> None:
    reset = int(time.time()) + 1
    upstream.on(
        "GET",
        "/v1/patients/1",
        reply(429, {"message": "Too Many Requests"}, headers={"X-RateLimit-Reset": str(reset)}),
        reply(200, {"id": "1"}),
    )
    started = time.time()
    assert await client.get("/patients/1") == {"id": "1"}
    assert time.time() >= reset - 0.05  # it did not come back before the reset
    assert time.time() - started < 3


async def test_a_429_on_a_write_is_retried_because_it_was_not_processed(
    client: ClinikoClient, upstream: FakeUpstream
) -> None:
    upstream.on(
        "POST",
        "/v1/patients",
        reply(429, {"message": "Too Many Requests"}, headers={"Retry-After": "0"}),
        reply(201, {"id": "1"}),
    )
    assert await client.post("/patients", {"first_name": "A", "last_name": "B"}) == {"id": "1"}
    assert len(upstream.requests_to("POST", "/v1/patients")) == 2


async def test_a_long_429_is_rate_limited_at_once_with_retry_after(
    client: ClinikoClient, upstream: FakeUpstream
) -> None:
    reset = int(time.time()) + 45
    upstream.on(
        "GET", "/v1/patients", reply(429, {"message": "Too Many Requests"}, headers={"X-RateLimit-Reset": str(reset)})
    )
    started = time.monotonic()
    with pytest.raises(MedleyError) as caught:
        await client.get("/patients")
    assert time.monotonic() - started < 1
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert 40 <= int(caught.value.headers["Retry-After"]) <= 46


# ---- error mapping -------------------------------------------------------------------------------


async def test_an_html_404_is_a_not_found_the_caller_can_name(client: ClinikoClient, upstream: FakeUpstream) -> None:
    with pytest.raises(ClinikoNotFound) as caught:
        await client.get("/individual_appointments/5/cancel")
    assert caught.value.path_template == "/individual_appointments/{id}/cancel"


async def test_a_422_is_a_bad_request_carrying_clinikos_field_errors(
    client: ClinikoClient, upstream: FakeUpstream
) -> None:
    errors = {"first_name": "can’t be blank"}
    upstream.on("POST", "/v1/patients", reply(422, {"message": "Validation Failed", "errors": errors}))
    with pytest.raises(MedleyError) as caught:
        await client.post("/patients", {})
    assert caught.value.code == ErrorCode.BAD_REQUEST
    assert caught.value.errors[0].error_code == DetailCode.BAD_INPUT
    assert caught.value.errors[0].emr_error == {"status": 422, "message": errors}


async def test_a_refused_key_is_an_emr_error_that_says_so(client: ClinikoClient, upstream: FakeUpstream) -> None:
    upstream.on("GET", "/v1/user", reply(401, "HTTP Basic: Access denied.\n"))
    with pytest.raises(MedleyError) as caught:
        await client.get("/user")
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert caught.value.status == 502
    assert "API key" in caught.value.detail
    assert caught.value.errors[0].emr_error == {"status": 401, "message": "HTTP Basic: Access denied."}


# ---- pagination ----------------------------------------------------------------------------------


async def test_pages_are_followed_to_the_end(client: ClinikoClient, upstream: FakeUpstream) -> None:
    upstream.on(
        "GET",
        "/v1/patients",
        reply(200, {"patients": [{"id": "1"}], "links": {"next": f"{BASE}/patients?page=2&per_page=100"}}),
        reply(200, {"patients": [{"id": "2"}], "links": {"self": f"{BASE}/patients?page=2"}}),
    )
    assert await client.get_all("/patients", "patients", [("q[]", "last_name:=Smith")]) == [{"id": "1"}, {"id": "2"}]
    first, second = upstream.requests_to("GET", "/v1/patients")
    assert "per_page=100" in first.query and "q%5B%5D=last_name%3A%3DSmith" in first.query
    assert second.query == "page=2&per_page=100"


@pytest.mark.parametrize(
    "next_link",
    [
        "https://evil.example/v1/patients?page=2",
        "http://cliniko.test:8443/v1/patients?page=2",
        "https://cliniko.test/v1/patients?page=2",
        "http://cliniko.test/elsewhere?page=2",
    ],
)
async def test_a_next_link_off_the_api_origin_is_refused_and_never_sent_the_key(
    client: ClinikoClient, upstream: FakeUpstream, next_link: str
) -> None:
    upstream.on("GET", "/v1/patients", reply(200, {"patients": [{"id": "1"}], "links": {"next": next_link}}))
    with pytest.raises(MedleyError) as caught:
        await client.get_all("/patients", "patients")
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert len(upstream.seen) == 1


# ---- files ---------------------------------------------------------------------------------------


async def test_an_upload_to_another_host_never_carries_the_key(upstream: FakeUpstream) -> None:
    s3 = FakeUpstream()
    s3.on("POST", "/", reply(201, None))
    client = ClinikoClient(
        API_KEY,
        settings=settings(),
        base_url=BASE,
        transport=upstream.transport(),
        external_transport=s3.transport(),
        rate_budget=LocalRateBudget(100),
    )
    try:
        await client.upload_presigned(
            "https://bucket.s3.example/",
            {"key": "k/${filename}", "policy": "p"},
            filename="a.txt",
            content=b"hello",
            content_type="text/plain",
        )
    finally:
        await client.aclose()
    (sent,) = s3.seen
    assert "authorization" not in sent.headers
    assert API_KEY not in sent.body.decode(errors="replace")
    # Fields first, then the file, as S3 requires.
    assert sent.body.index(b'name="policy"') < sent.body.index(b'name="file"')
    assert upstream.seen == []


async def test_a_download_redirected_to_another_host_drops_the_key(upstream: FakeUpstream) -> None:
    s3 = FakeUpstream()
    s3.on(
        "GET",
        "/signed/file.pdf",
        reply(200, "PDF-BYTES", headers={"Content-Disposition": 'attachment; filename="x.pdf"'}),
    )
    upstream.on(
        "GET",
        "/v1/patient_attachments/7/content",
        reply(302, None, headers={"Location": "https://files.example/signed/file.pdf"}),
    )
    client = ClinikoClient(
        API_KEY,
        settings=settings(),
        base_url=BASE,
        transport=upstream.transport(),
        external_transport=s3.transport(),
        rate_budget=LocalRateBudget(100),
    )
    try:
        file = await client.download(f"{BASE}/patient_attachments/7/content", max_bytes=1000)
    finally:
        await client.aclose()
    assert file.content == b"PDF-BYTES"
    assert file.filename == "x.pdf"
    assert "authorization" in upstream.seen[0].headers
    assert "authorization" not in s3.seen[0].headers


# ---- rate budget ---------------------------------------------------------------------------------


async def test_a_fan_out_beyond_the_budget_stops_before_reaching_cliniko(upstream: FakeUpstream) -> None:
    upstream.on("GET", "/v1/user", reply(200, {"id": "1"}))
    client = ClinikoClient(
        API_KEY,
        settings=settings(),
        base_url=BASE,
        transport=upstream.transport(),
        rate_budget=LocalRateBudget(5),
        max_rate_wait_seconds=0.5,
    )
    try:
        for _ in range(5):
            await client.get("/user")
        with pytest.raises(MedleyError) as caught:
            await client.get("/user")
    finally:
        await client.aclose()
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert len(upstream.seen) == 5


# ---- logs ----------------------------------------------------------------------------------------


async def test_logs_never_contain_the_key_names_or_query_values(
    client: ClinikoClient, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.on(
        "GET", "/v1/patients", reply(503, "busy"), reply(200, {"patients": [{"id": "1", "first_name": "Zelda"}]})
    )
    upstream.on("POST", "/v1/patients", reply(422, {"message": "Validation Failed", "errors": {"last_name": "Zelda?"}}))
    upstream.on(
        "GET", "/v1/patients/836447129235883200", reply(200, {"id": "836447129235883200", "last_name": "Zelda"})
    )
    caplog.set_level(logging.DEBUG, logger="medley")
    await client.get_all("/patients", "patients", [("q[]", "first_name:=Zelda"), ("q[]", "email:=z@example.org")])
    await client.get("/patients/836447129235883200")
    with pytest.raises(MedleyError):
        await client.post("/patients", {"first_name": "Zelda", "last_name": ""})
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the client logs its calls"
    assert any("GET /patients/{id} -> 200" in m for m in messages)
    for message in messages:
        for secret in (API_KEY, API_KEY[:20], "Zelda", "z@example.org", "836447129235883200"):
            assert secret not in message

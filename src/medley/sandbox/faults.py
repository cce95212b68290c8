"""Fault injection, shared by the emulators: make one fail the way a real upstream does, on demand or at random.

A plan is a comma-separated list of rules, ``<fault>[:<probability>]`` (probability 0..1, default 1):

* ``429`` – rate limited, with the emulator's own 429 answer; ``429=<duration>`` sets when the limit
  lifts, e.g. ``429=2s``
* ``500`` – the upstream application's own error body; ``502`` / ``503`` – a load balancer's HTML page;
  an emulator may allow more statuses (Acuity's undocumented HTML ``403`` throttle)
* ``drop`` – the connection dies after the status line: the client sees a protocol error
* ``drop-after`` – the request is carried out (a write is saved), then the connection dies before the
  answer: the client cannot tell whether its write happened, as after a real network failure
* ``timeout`` or ``timeout=<duration>`` – hang (60 s by default, longer than any sane client
  timeout), then answer 504 as a load balancer would
* ``latency=<duration>`` – add delay, then carry on; durations are ``<n>ms`` or ``<n>s``

A setting (``MEDLEY_SANDBOX_FAULTS``, ``MEDLEY_SANDBOX_ACUITY_FAULTS``) applies a plan to every API
request; an ``X-Medley-Fault`` header replaces it for one request (``none`` turns faults off for that
request). Every rule is rolled on its own; all latencies that fire add up, and the first failing rule
that fires (in written order) wins.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

import httpx
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.sandbox.latency import parse_duration, pause

DEFAULT_HANG_SECONDS = 60.0
FAULT_HEADER = "x-medley-fault"
DEFAULT_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503})


class FaultKind(StrEnum):
    STATUS = "status"
    DROP = "drop"
    DROP_AFTER = "drop-after"
    HANG = "hang"
    LATENCY = "latency"


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    status: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class FaultRule:
    fault: Fault
    probability: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request gets: a delay first, then possibly a failure instead of the real answer."""

    delay_seconds: float
    failure: Fault | None


@dataclass(frozen=True, slots=True)
class FaultPlan:
    rules: tuple[FaultRule, ...] = ()

    def draw(self, rng: random.Random) -> Outcome:
        delay = 0.0
        failure: Fault | None = None
        for rule in self.rules:
            if rule.probability < 1.0 and rng.random() >= rule.probability:
                continue
            if rule.fault.kind is FaultKind.LATENCY:
                delay += rule.fault.seconds
            elif failure is None:
                failure = rule.fault
        return Outcome(delay, failure)


NO_FAULTS = FaultPlan()


def parse_faults(spec: str, *, statuses: Collection[int] = DEFAULT_STATUSES) -> FaultPlan:
    """Parses the grammar in the module docstring; raises ValueError with the offending rule.

    ``statuses`` are the failure statuses the emulator can answer (429 is always one of them)."""
    text = spec.strip()
    if not text or text.lower() == "none":
        return NO_FAULTS
    return FaultPlan(tuple(_parse_rule(part.strip(), statuses) for part in text.split(",")))


def _parse_rule(rule: str, statuses: Collection[int]) -> FaultRule:
    if not rule:
        raise ValueError("empty fault rule")
    fault_text, separator, probability_text = rule.rpartition(":")
    if not separator:
        fault_text, probability_text = rule, "1"
    try:
        probability = float(probability_text)
    except ValueError:
        raise ValueError(f"invalid probability in fault rule {rule!r}") from None
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability must be between 0 and 1 in fault rule {rule!r}")
    return FaultRule(_parse_fault(fault_text.strip().lower(), rule, statuses), probability)


def _parse_fault(text: str, rule: str, statuses: Collection[int]) -> Fault:
    name, _, argument = text.partition("=")
    if name == "429" and argument:
        return Fault(FaultKind.STATUS, status=429, seconds=parse_duration(argument))
    if name.isdigit() and not argument:
        status = int(name)
        if status not in statuses:
            allowed = ", ".join(str(code) for code in sorted(statuses))
            raise ValueError(f"unsupported status in fault rule {rule!r} (use one of {allowed})")
        return Fault(FaultKind.STATUS, status=status)
    if name == "drop" and not argument:
        return Fault(FaultKind.DROP)
    if name == "drop-after" and not argument:
        return Fault(FaultKind.DROP_AFTER)
    if name in {"timeout", "hang"}:
        return Fault(FaultKind.HANG, seconds=parse_duration(argument) if argument else DEFAULT_HANG_SECONDS)
    if name == "latency" and argument:
        return Fault(FaultKind.LATENCY, seconds=parse_duration(argument))
    raise ValueError(f"unknown fault {rule!r}")


_PAGE_TITLES = {
    403: "403 Forbidden",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Time-out",
}


def html_error_page(status: int) -> Response:
    """What a load balancer or web application firewall in front of the upstream answers: a bare HTML page."""
    title = _PAGE_TITLES.get(status, f"{status} Error")
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
    return HTMLResponse(page, status_code=status)


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the ``drop`` fault after the status line went out, so the connection dies mid-answer.

    Over a socket the server just closes it; through ``httpx.ASGITransport`` the exception itself
    reaches the caller, and being an ``httpx.TransportError`` it is handled like the real thing.
    """

    def __init__(self) -> None:
        super().__init__("Connection dropped by the emulator's fault injection")


StatusAnswer = Callable[[Fault], Response]
"""Renders a ``STATUS`` fault as the emulator's upstream would (its 429 and 500 bodies are its own)."""


async def act_out(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send, answer: StatusAnswer) -> None:
    """Fail one request as ``fault`` says; ``answer`` renders the status faults."""
    if fault.kind is FaultKind.DROP_AFTER:
        # The request is carried out (a write is committed); only its answer is lost on the way.
        await app(scope, receive, _discarding)
    if fault.kind in (FaultKind.DROP, FaultKind.DROP_AFTER):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
        raise DroppedConnection()
    if fault.kind is FaultKind.HANG:
        await pause(fault.seconds)
        response = html_error_page(504)
    else:
        response = answer(fault)
    await response(scope, receive, send)


async def _discarding(_message: Message) -> None:
    """A ``send`` that goes nowhere: the answer of a request whose connection is about to drop."""

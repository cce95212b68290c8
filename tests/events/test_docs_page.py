"""The events and webhooks page says what the code does: every event type, the retry schedule, and a Python
verification example that accepts a real delivery's signature."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from medley.events import schedule, signing
from medley.events.changes import EventType
from medley.events.subscriptions import generate_secret

PAGE = Path(__file__).resolve().parents[2] / "docs" / "events-and-webhooks.md"


def _text() -> str:
    return PAGE.read_text(encoding="utf-8")


def test_every_event_type_is_documented_with_an_example_payload() -> None:
    text = _text()
    for event_type in EventType:
        assert f"| `{event_type}` |" in text
        assert f'{{"type": "{event_type}", "data": ' in text


def test_the_documented_retry_schedule_is_the_one_used() -> None:
    row = next(line for line in _text().splitlines() if line.startswith("| wait |"))
    units = {"s": 1, "min": 60, "h": 3600}
    documented = [
        float(number) * units[unit] for number, unit in re.findall(r"(\d+) (s|min|h)\b", row)
    ]
    assert tuple(documented) == schedule.RETRY_DELAYS_SECONDS
    assert f"{sum(documented) / 3600:.1f} hours" in _text()


def test_the_python_verification_example_accepts_a_signed_delivery() -> None:
    block = re.search(r"```python\n(.*?)```", _text(), re.DOTALL)
    assert block is not None
    secret = generate_secret()
    seen: list[str] = []
    namespace: dict[str, object] = {"already_seen": lambda _id: False, "enqueue": lambda e: seen.append(e["id"])}
    exec(block.group(1).replace('"whsec_…"', repr(secret)), namespace)
    body = json.dumps({"id": "evt_1", "type": "patient.created"}).encode()
    headers = signing.headers([secret], "evt_1", int(time.time()), body)
    handle = namespace["handle"]
    assert callable(handle)
    assert handle(body, headers) == 200 and seen == ["evt_1"]
    assert handle(body + b" ", headers) == 400

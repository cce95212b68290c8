"""The console's pure modules (zone arithmetic, calendar geometry), run by Node when it is installed:
the same ES modules the browser loads, checked on DST edges without a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

NODE = shutil.which("node")
STATIC = resources.files("medley.console") / "static"

SCRIPT = """
const fmt = await import(%(format)s);
const layout = await import(%(layout)s);
const iso = (d) => d.toISOString();
const out = {
  sydneyAfterDstStart: iso(fmt.instantOf({year: 2025, month: 10, day: 5}, 3 * 60, "Australia/Sydney")),
  sydneyBeforeDstStart: iso(fmt.instantOf({year: 2025, month: 10, day: 5}, 0, "Australia/Sydney")),
  londonNoonAfterSpringForward: iso(fmt.instantOf({year: 2025, month: 3, day: 30}, 12 * 60, "Europe/London")),
  londonInTheGap: iso(fmt.instantOf({year: 2025, month: 3, day: 30}, 90, "Europe/London")),
  londonAutumnMidnight: iso(fmt.instantOf({year: 2025, month: 10, day: 27}, 0, "Europe/London")),
  mondayOfSunday: fmt.dateKey(fmt.mondayOf({year: 2025, month: 1, day: 5})),
  mondayOfMonday: fmt.dateKey(fmt.mondayOf({year: 2025, month: 1, day: 6})),
  sydneyMinutes: fmt.minutesIntoDay(new Date("2025-06-01T23:30:00Z"), "Australia/Sydney"),
  sydneyDate: fmt.dateKey(fmt.civilDateOf(new Date("2025-06-01T23:30:00Z"), "Australia/Sydney")),
  columns: layout.assignColumns([
    {from: 0, to: 60}, {from: 30, to: 90}, {from: 60, to: 120}, {from: 200, to: 230},
  ]).map((e) => [e.item.from, e.column, e.columns]),
  spans: layout.slotSpans([{from: 15, to: 75}, {from: 0, to: 60}, {from: 120, to: 180}])
    .map((s) => [s.from, s.drawTo]),
  dayRange: layout.hourRange([{from: 9 * 60, to: 17 * 60 + 30}]),
  lateRange: layout.hourRange([{from: 6 * 60 + 30, to: 21 * 60 + 15}]),
  emptyRange: layout.hourRange([]),
};
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    if NODE is None:
        pytest.skip("node is not installed")
    script = SCRIPT % {
        "format": json.dumps(Path(str(STATIC / "format.js")).as_uri()),
        "layout": json.dumps(Path(str(STATIC / "layout.js")).as_uri()),
    }
    done = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True,
                          timeout=30, check=True)
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_wall_clock_times_become_the_right_instants_across_dst(results: dict[str, Any]) -> None:
    assert results["sydneyBeforeDstStart"] == "2025-10-04T14:00:00.000Z"  # AEST, +10
    assert results["sydneyAfterDstStart"] == "2025-10-04T16:00:00.000Z"  # AEDT, +11
    assert results["londonNoonAfterSpringForward"] == "2025-03-30T11:00:00.000Z"
    # 01:30 does not exist in London that night: it resolves forward, to 02:30 BST.
    assert results["londonInTheGap"] == "2025-03-30T01:30:00.000Z"
    assert results["londonAutumnMidnight"] == "2025-10-27T00:00:00.000Z"


def test_weeks_start_on_monday_in_the_care_units_zone(results: dict[str, Any]) -> None:
    assert results["mondayOfSunday"] == "2024-12-30"
    assert results["mondayOfMonday"] == "2025-01-06"
    assert results["sydneyDate"] == "2025-06-02"
    assert results["sydneyMinutes"] == 9 * 60 + 30


def test_overlapping_appointments_share_the_width(results: dict[str, Any]) -> None:
    # The first three overlap in a chain and need two columns; the last stands alone.
    assert results["columns"] == [[0, 0, 2], [30, 1, 2], [60, 0, 2], [200, 0, 1]]


def test_free_slots_are_drawn_up_to_the_next_slot(results: dict[str, Any]) -> None:
    assert results["spans"] == [[0, 15], [15, 75], [120, 180]]


def test_the_visible_hours_cover_every_item(results: dict[str, Any]) -> None:
    assert results["dayRange"] == {"first": 8, "last": 18}
    assert results["lateRange"] == {"first": 6, "last": 22}
    assert results["emptyRange"] == {"first": 8, "last": 18}

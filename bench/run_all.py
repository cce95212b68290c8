"""Runs every benchmark in turn (``make bench``)."""

from __future__ import annotations

import runpy
import sys

BENCHES = [
    "bench.available_times",
    "bench.gateway_overhead",
    "bench.timeslots_fanout",
    "bench.acuity_timeslots",
    "bench.acuity_availability_times",
    "bench.booking_throughput",
    "bench.webhook_delivery",
    "bench.webhook_latency",
    "bench.read_storm",
    "bench.mirror_freshness",
    "bench.read_path",
    "bench.mcp_tools",
]


def main() -> None:
    for module in BENCHES:
        print(f"\n== {module}", flush=True)
        sys.argv = [module]
        runpy.run_module(module, run_name="__main__")


if __name__ == "__main__":
    main()

"""Shared bench plumbing: start real Medley processes, time HTTP calls, read a process's memory."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from medley.config import DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from tests.support.server import running_medley

GATEWAY_HEADERS = {
    "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
    "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
}
EMULATOR_AUTH = (DEFAULT_SANDBOX_API_KEY, "")
EMULATOR_HEADERS = {"User-Agent": "Medley bench (bench@example.org)", "Accept": "application/json"}


@dataclass(frozen=True)
class Timings:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

    def summary(self) -> str:
        return f"median {self.median:.2f} ms, p95 {self.p95:.2f} ms, n={len(self.samples_ms)}"


def time_calls(call: Callable[[], object], count: int, warmup: int = 20) -> Timings:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return Timings(samples)


@contextmanager
def medley_process(command: str, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """A real ``medley serve`` or ``medley sandbox`` on a fresh data dir; yields (base URL, pid)."""
    with tempfile.TemporaryDirectory(prefix="medley-bench-") as data_dir:
        settings = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000000", "MEDLEY_LOG_LEVEL": "warning", **(env or {})}
        health = "/v1/settings/public" if command == "sandbox" else "/health"
        with running_medley(command, settings, Path(data_dir), health_path=health) as url:
            yield url, _pid_listening(url)


def _pid_listening(url: str) -> int:
    port = int(url.rsplit(":", 1)[1])
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"--port\x00{port}\x00".encode() in status.read_bytes() + b"\x00":
                return int(status.parent.name)
        except OSError:
            continue
    raise RuntimeError(f"no process found for {url}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")

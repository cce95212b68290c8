"""Runs a real Medley process (``medley serve`` / ``medley sandbox``) on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support import seeded


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_BIND_ATTEMPTS = 3


class _PortTaken(RuntimeError):
    """The child could not bind its port: another process took it after ``free_port`` released it."""


@contextmanager
def running_medley(
    command: str,
    env: Mapping[str, str],
    data_dir: Path,
    *,
    log_path: Path | None = None,
    health_path: str = "/health",
    timeout: float = 60.0,
    seed_from_template: bool = True,
) -> Iterator[str]:
    """Start ``medley <command>`` (``serve``, ``sandbox acuity``, …) and yield its base URL once it answers; stop
    it afterwards.

    The emulators it would seed on SQLite are copied from this run's seeded template first (``seeded.py``),
    unless ``seed_from_template`` is false: then it migrates and seeds them itself, as on a first start.

    ``free_port`` releases the port before the child binds it, so under parallel load another process can take
    it in between: the child then exits with "address already in use" and is started again on another port.
    """
    if seed_from_template:
        seeded.copy_into_data_dir(command, env, data_dir)
    for attempt in range(1, _BIND_ATTEMPTS + 1):
        started = False
        try:
            with _running_once(command, env, data_dir, log_path, health_path, timeout) as base_url:
                started = True
                yield base_url
            return
        except _PortTaken:
            # Only a start that never reached the caller is retried (a nested start's failure is the caller's).
            if started or attempt == _BIND_ATTEMPTS:
                raise


@contextmanager
def _running_once(
    command: str, env: Mapping[str, str], data_dir: Path, log_path: Path | None, health_path: str, timeout: float
) -> Iterator[str]:
    port = free_port()
    full_env = {**os.environ, "MEDLEY_DATA_DIR": str(data_dir), **env}
    path = log_path or data_dir / f"{command.replace(' ', '-')}-{port}.log"
    log = open(path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "medley.cli", *command.split(), "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.flush()
                if b"address already in use" in path.read_bytes().lower():
                    raise _PortTaken(f"port {port} was taken before medley {command} could bind it")
                raise RuntimeError(f"medley {command} exited early; see {log.name}")
            try:
                if httpx.get(base_url + health_path, timeout=1.0).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"medley {command} did not start within {timeout}s; see {log.name}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

"""The authenticated read path against the framework's own speed.

``GET /api/emrs/cliniko/care-units`` through a real ``medley serve`` (one process) versus a bare FastAPI app
serving the same JSON on the same machine, each loaded with ``wrk -c32`` in the same run. Target: Medley
reaches at least 0.30 of the bare app's requests per second.
Medley and the bare app are loaded in alternating rounds; the median ratio is the figure.
Run: ``python -m bench.read_path [--seconds 10] [--rounds 3]`` (needs ``wrk``: ``apt-get install wrk``)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import GATEWAY_HEADERS, medley_process
from tests.support.server import free_port

_BARE_APP = """
import json, sys
from fastapi import FastAPI
from fastapi.responses import Response
body = open(sys.argv[1], "rb").read()
app = FastAPI()

@app.get("/api/emrs/cliniko/care-units")
async def care_units() -> Response:
    return Response(body, media_type="application/json")
"""
_RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")


def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    match = _RATE.search(output)
    if match is None:
        raise RuntimeError(output)
    return float(match.group(1))


_UPSTREAM = re.compile(r"^medley_upstream_calls_total\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)


def wait_until_settled(url: str, timeout: float = 240.0) -> float:
    """Wait until the background sync has warmed every mirror (the sandbox's Acuity connection reads weeks of
    availability at first): a read path measured meanwhile would count that work too. Returns the wait."""
    began = time.monotonic()
    calls: float | None = None
    quiet = 0
    while time.monotonic() - began < timeout:
        now = sum(float(v) for v in _UPSTREAM.findall(httpx.get(url + "/metrics").text))
        # Settled: two 5-second spells in a row with at most 3 upstream calls each (the warm-up comes in bursts).
        quiet = quiet + 1 if calls is not None and now - calls <= 3 else 0
        if quiet >= 2:
            break
        calls = now
        time.sleep(5)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with medley_process("serve", {"MEDLEY_LOG_LEVEL": "warning"}) as (url, _pid), tempfile.TemporaryDirectory() as tmp:
        path = url + "/api/emrs/cliniko/care-units"
        body = httpx.get(path, headers=GATEWAY_HEADERS).content
        print(f"background sync settled after {wait_until_settled(url):.0f} s")
        assert json.loads(body), "the sandbox has care units"
        (Path(tmp) / "body.json").write_bytes(body)
        (Path(tmp) / "bare.py").write_text(_BARE_APP)
        port = free_port()
        launcher = (
            f"import sys; sys.argv = ['bare', {str(Path(tmp) / 'body.json')!r}]; "
            f"exec(open({str(Path(tmp) / 'bare.py')!r}).read()); import uvicorn; "
            f"uvicorn.run(app, port={port}, log_level='warning', access_log=False)"
        )
        bare = subprocess.Popen([sys.executable, "-c", launcher])
        try:
            bare_url = f"http://127.0.0.1:{port}/api/emrs/cliniko/care-units"
            for _ in range(100):
                try:
                    httpx.get(bare_url)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            wrk(path, 2, GATEWAY_HEADERS)  # warm up
            ratios = []
            # Alternating rounds: a machine whose load changes during the run weighs on both sides alike.
            for round_number in range(1, args.rounds + 1):
                medley = wrk(path, args.seconds, GATEWAY_HEADERS)
                framework = wrk(bare_url, args.seconds, {})
                ratios.append(medley / framework)
                print(
                    f"round {round_number}: medley {medley:.0f} req/s, bare FastAPI {framework:.0f} req/s: "
                    f"ratio {medley / framework:.2f}"
                )
        finally:
            bare.terminate()
            bare.wait()
    print(f"median ratio over {len(ratios)} rounds: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()

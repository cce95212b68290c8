"""Gateway overhead: ``GET …/patients/{id}`` through the gateway vs the same read straight from the emulator.

Target: through the gateway at most 1.5x the direct call. Both run in the same ``medley serve`` process
(the emulator is mounted at /sandbox/cliniko/v1), so the comparison isolates the gateway's own work:
authentication, the connector, mapping and rendering.
Run: ``python -m bench.gateway_overhead [--requests 2000]``
"""

from __future__ import annotations

import argparse

import httpx

from bench.harness import EMULATOR_AUTH, EMULATOR_HEADERS, GATEWAY_HEADERS, medley_process, time_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with medley_process("serve") as (url, _pid), httpx.Client(base_url=url) as client:
        unit = client.get("/api/emrs/cliniko/care-units", headers=GATEWAY_HEADERS).json()[0]["id"]
        patient = client.get(f"/api/emrs/cliniko/care-units/{unit}/patients", headers=GATEWAY_HEADERS).json()[0]["id"]
        gateway_path = f"/api/emrs/cliniko/care-units/{unit}/patients/{patient}"
        direct_path = f"/sandbox/cliniko/v1/patients/{patient}"

        def through_gateway() -> None:
            client.get(gateway_path, headers=GATEWAY_HEADERS).raise_for_status()

        def direct() -> None:
            client.get(direct_path, headers=EMULATOR_HEADERS, auth=EMULATOR_AUTH).raise_for_status()

        direct_t = time_calls(direct, args.requests)
        gateway_t = time_calls(through_gateway, args.requests)
    print(f"direct to the emulator: {direct_t.summary()}")
    print(f"through the gateway:    {gateway_t.summary()}")
    print(f"ratio (median): {gateway_t.median / direct_t.median:.2f}x")


if __name__ == "__main__":
    main()

"""The delivery client over TLS: it connects to the checked address, and the certificate must name the
URL's host (SNI and verification use the host name, never the address)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from medley.events.poster import Poster
from medley.events.targets import Target


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return cert_path, key_path


@contextmanager
def https_receiver(cert: Path, key: Path) -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def _target(port: int, host: str) -> Target:
    return Target(scheme="https", address="127.0.0.1", port=port, host=host, host_header=f"{host}:{port}",
                  path="/hooks?x=1")


def test_https_goes_to_the_checked_address_and_verifies_the_hosts_certificate(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "receiver.test")
    trust = ssl.create_default_context(cafile=str(cert))
    with https_receiver(cert, key) as (port, seen):
        async def run() -> None:
            poster = Poster(tls=trust)
            try:
                first = await poster.post(_target(port, "receiver.test"), {"webhook-id": "evt_1"}, b"{}")
                second = await poster.post(_target(port, "receiver.test"), {"webhook-id": "evt_2"}, b"{}")
                assert first.status_code == second.status_code == 204
                with pytest.raises(ssl.SSLCertVerificationError):
                    await poster.post(_target(port, "other.test"), {"webhook-id": "evt_3"}, b"{}")
            finally:
                await poster.aclose()

        asyncio.run(run())
    assert [s["webhook-id"] for s in seen] == ["evt_1", "evt_2"]
    assert seen[0]["host"] == f"receiver.test:{port}"

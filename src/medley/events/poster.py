"""POSTs webhook bodies: HTTP/1.1 with keep-alive over asyncio streams, framed and parsed by h11 (the
protocol library under httpx), with a small pool of idle connections per destination.

Why not httpx: a delivery worker spends its CPU in the HTTP client, and httpx's layers (anyio, httpcore's
pool) cost several times what the request itself does, which capped one worker well below the 200
deliveries per second it must sustain. This client does only what a delivery needs: connect to an address
that was checked (``targets.py``), TLS verified against the URL's host name, one POST, the status and
headers of the answer, never a redirect. Its response bodies are read and discarded (at most 64 KiB, else
the connection is dropped).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping

import h11

from medley.events.targets import Target

MAX_RESPONSE_BODY = 64 * 1024
_READ_CHUNK = 65_536

_Key = tuple[str, str, int, str]


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.writer.close()


class Answer:
    def __init__(self, status_code: int, headers: Mapping[str, str]) -> None:
        self.status_code = status_code
        self.headers = headers


class Poster:
    """Sends POSTs; idle connections are kept per (scheme, address, port, host), at most ``per_destination``."""

    def __init__(
        self,
        *,
        per_destination: int = 8,
        user_agent: str = "Medley-Webhooks/1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._idle: dict[_Key, list[_Connection]] = {}
        self._per_destination = per_destination
        self._user_agent = user_agent
        # The system's trusted CAs, host names checked (tests pass a context that trusts their own CA).
        self._tls = tls or ssl.create_default_context()

    async def post(self, target: Target, headers: Mapping[str, str], body: bytes) -> Answer:
        """One POST; raises ``OSError`` or ``h11.ProtocolError`` when no answer came. The caller bounds the
        time it may take."""
        key = (target.scheme, target.address, target.port, target.host)
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            try:
                return await self._exchange(key, connection, target, headers, body)
            except (OSError, h11.ProtocolError, _ClosedBeforeAnswer):
                connection.close()  # the receiver closed a kept-alive connection: try a fresh one
        connection = await self._open(target)
        try:
            return await self._exchange(key, connection, target, headers, body)
        except BaseException:
            connection.close()
            raise

    async def _open(self, target: Target) -> _Connection:
        tls = target.scheme == "https"
        reader, writer = await asyncio.open_connection(
            target.address, target.port,
            ssl=self._tls if tls else None, server_hostname=target.host if tls else None,
        )
        return _Connection(reader, writer)

    async def _exchange(
        self, key: _Key, connection: _Connection, target: Target, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        protocol = connection.protocol
        request = h11.Request(
            method="POST",
            target=target.path,
            headers=[
                ("host", target.host_header), ("user-agent", self._user_agent),
                ("content-length", str(len(body))), *headers.items(),
            ],
        )
        connection.writer.write(protocol.send(request) + protocol.send(h11.Data(data=body))
                                + protocol.send(h11.EndOfMessage()))
        await connection.writer.drain()
        answer: Answer | None = None
        received = 0
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                protocol.receive_data(await connection.reader.read(_READ_CHUNK))
            elif isinstance(event, h11.Response):
                answer = Answer(
                    event.status_code,
                    {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in event.headers},
                )
            elif isinstance(event, h11.Data):
                received += len(event.data)
                if received > MAX_RESPONSE_BODY and answer is not None:
                    connection.close()
                    return answer
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                if answer is None:
                    raise _ClosedBeforeAnswer
                break
        if answer is None:
            raise _ClosedBeforeAnswer
        self._keep_or_close(key, connection)
        return answer

    def _keep_or_close(self, key: _Key, connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            idle = self._idle.setdefault(key, [])
            if len(idle) < self._per_destination:
                idle.append(connection)
                return
        connection.close()

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()


class _ClosedBeforeAnswer(OSError):
    """The receiver closed the connection before answering."""

"""The embedded emulators run on an event loop of their own, in a thread of the gateway's process.

An emulator stands in for a remote EHR. On the gateway's loop every await of its work (its middleware, its
database calls) would also wait its turn behind the gateway's own requests: under a storm of mirror reads a
booking's three upstream calls took a second longer than over the network (``bench/read_storm.py``). On a
loop of its own, as a remote EHR on a server of its own, an upstream call costs the gateway one wake-up, and
its latency is the emulator's alone.

Nothing crosses between the loops but requests and answers: the gateway reaches an emulator through
`LoopTransport`, integrators reach it under ``/sandbox/<ehr>`` through `LoopApp`, and an emulator's webhooks
reach the gateway through a `LoopTransport` the other way.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.sandbox.serving import Emulator

T = TypeVar("T")


async def run_on(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on ``loop`` (another thread's) and wait for it here; cancelling the wait cancels it there."""
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))


class LoopTransport(httpx.AsyncBaseTransport):
    """An httpx transport to an ASGI app that runs on another event loop, as ``httpx.ASGITransport`` is to one
    on the caller's: the request is sent and the whole answer read there, and handed back here."""

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        # An app's exception comes back as a 500, as a crashed upstream answers over the network.
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._loop = loop

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        there = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        return await run_on(self._loop, self._exchange(there))

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        answer = await self._asgi.handle_async_request(request)
        try:
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])  # as sent: still compressed, if it was
        finally:
            await answer.aclose()
        return httpx.Response(answer.status_code, headers=answer.headers, stream=httpx.ByteStream(raw))


class LoopApp:
    """An ASGI app that runs on another event loop: mounted in the gateway, it serves there, and each message
    it receives or sends crosses back to the server's connection on the gateway's loop. ``loop`` is asked at
    each request: the other loop starts with the gateway's lifespan, after the app is mounted."""

    def __init__(self, app: ASGIApp, loop: Callable[[], asyncio.AbstractEventLoop]) -> None:
        self._app = app
        self._loop = loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        there = self._loop()
        here = asyncio.get_running_loop()

        async def receive_here() -> Message:
            return await run_on(here, _awaited(receive()))

        async def send_here(message: Message) -> None:
            await run_on(here, _awaited(send(message)))

        await run_on(there, _awaited(self._app(scope, receive_here, send_here)))


async def _awaited(work: Awaitable[T]) -> T:
    """``work`` as a coroutine (ASGI callables return plain awaitables), so another loop can run it."""
    return await work


class EmbeddedSandboxes:
    """The emulators ``medley serve`` and ``medley worker`` embed, by EHR code, with the thread and loop they
    run on. Built before the gateway's loop runs (so the gateway can mount them); started in its lifespan."""

    def __init__(self, emulators: Mapping[str, Emulator]) -> None:
        self.emulators = dict(emulators)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The emulators' loop; refused (a 500, never a request left hanging) unless they are started."""
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            raise RuntimeError("the embedded sandbox is not running")
        return self._loop

    async def start(self) -> None:
        """Start the loop's thread, then every emulator on it (migrate, seed); all stopped again on failure."""
        if not self.emulators:
            return
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=_serve_forever, args=(loop,), name="medley-sandbox", daemon=True)
        self._thread.start()
        try:
            for emulator in self.emulators.values():
                await run_on(loop, emulator.start())
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every emulator on its loop, then the loop (cancelling what still runs there) and its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        try:
            for emulator in self.emulators.values():
                await run_on(loop, emulator.stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.to_thread(thread.join)
            self._loop = self._thread = None

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        """What the gateway's connectors reach each emulator through, by EHR code (once started)."""
        return {code: LoopTransport(emulator.app, self.loop()) for code, emulator in self.emulators.items()}

    def mountable(self, code: str) -> ASGIApp:
        """The emulator of ``code`` as an app the gateway can mount (``/sandbox/<code>``)."""
        return LoopApp(self.emulators[code].app, self.loop)

    async def deliver_webhooks_to(self, host: str, app: ASGIApp) -> None:
        """Webhooks an emulator sends to ``host`` reach ``app`` on the calling loop (the gateway's), in-process;
        registered on the emulators' loop, where deliveries read the routes."""
        here = asyncio.get_running_loop()
        for emulator in self.emulators.values():
            route_webhooks = getattr(emulator, "route_webhooks", None)
            if route_webhooks is not None:
                await run_on(self.loop(), _called(route_webhooks, host, LoopTransport(app, here)))


async def _called(function: Callable[..., object], *args: object) -> None:
    function(*args)


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        # As ``asyncio.run`` ends: what still runs is cancelled and awaited, so nothing waits on it for ever.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

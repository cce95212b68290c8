"""A programmable HTTP proxy between a gateway and an emulator, to act on exactly one upstream call.

The emulator's own fault injection (``MEDLEY_SANDBOX_FAULTS``) applies to every request, and the gateway
never forwards a client's headers upstream, so per-call behaviour needs something in between. Rules match
a method and a path and fire a bounded number of times:

* ``fault``: forward with ``X-Medley-Fault: <plan>``, so the emulator's own injection (e.g. latency) acts;
* ``before``: run a callback (in a worker thread), then forward: a deterministic window between the
  gateway's last check and its write reaching the EHR.

The ``Host`` header is kept, so links the emulator builds (``links.next``) point back at the proxy.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import anyio
import httpx
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from tests.support.server import free_port

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})


Action = Literal["fault", "before"]


@dataclass
class Rule:
    method: str
    path: re.Pattern[str]
    action: Action
    plan: str = ""
    callback: Callable[[], None] | None = None
    times: int = 1
    fired: int = 0


@dataclass
class FaultProxy:
    upstream: str
    url: str = ""
    rules: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    def add(
        self,
        method: str,
        path: str,
        action: Action,
        *,
        plan: str = "",
        callback: Callable[[], None] | None = None,
        times: int = 1,
    ) -> Rule:
        rule = Rule(method.upper(), re.compile(path), action, plan, callback, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.seen.clear()

    def _take(self, method: str, path: str) -> Rule | None:
        with self._lock:
            self.seen.append((method, path))
            for rule in self.rules:
                if rule.fired < rule.times and rule.method == method and rule.path.search(path):
                    rule.fired += 1
                    return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        rule = self._take(method, path)
        if rule is not None and rule.action == "fault":
            headers.append(("x-medley-fault", rule.plan))
        if rule is not None and rule.action == "before" and rule.callback is not None:
            await anyio.to_thread.run_sync(rule.callback)
        query = scope.get("query_string", b"").decode("latin-1")
        async with httpx.AsyncClient(timeout=120.0) as client:
            answer = await client.request(
                method, self.upstream + path + ("?" + query if query else ""), headers=headers, content=body
            )
        out_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.multi_items()
            if k.lower() not in _HOP_BY_HOP
        ]
        out_headers.append((b"content-length", str(len(answer.content)).encode()))
        start: Message = {"type": "http.response.start", "status": answer.status_code, "headers": out_headers}
        await send(start)
        await send({"type": "http.response.body", "body": answer.content})


@contextmanager
def running_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(proxy, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("fault proxy did not start")
        time.sleep(0.02)
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        server.should_exit = True
        thread.join(timeout=10)

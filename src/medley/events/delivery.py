"""The delivery loop: claims owed deliveries from the outbox and POSTs them, signed (Standard Webhooks 1.0).

Runs inside ``medley serve`` and in every ``medley worker``; any number of them share the outbox safely
(see ``outbox.py``). Each attempt has a timeout, follows no redirect, and connects only to an address the
SSRF rules allow (``targets.py``). Logs carry delivery and subscription ids and status codes, never the
payload, the URL's query or a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import h11

from medley.config import Settings
from medley.events import outbox, signing, wakeup
from medley.events.log import publish
from medley.events.outbox import Claimed, Outcome
from medley.events.poster import Poster
from medley.events.schedule import parse_retry_after
from medley.events.targets import TargetRefused, resolve
from medley.store.database import Store

logger = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 600.0
_LEASE_MARGIN_SECONDS = 2.0
_OUTCOME_BATCH_SECONDS = 0.02


class DeliveryWorker:
    """Delivers webhooks until cancelled."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        # The lease outlives any attempt (timeout plus the outcome's write), so no two workers send one
        # delivery at once unless a worker stalls for longer than that.
        self._lease = timedelta(
            seconds=max(settings.webhook_lease_seconds, settings.webhook_timeout_seconds + _LEASE_MARGIN_SECONDS)
        )
        self._concurrency = max(1, settings.webhook_concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        # Outcomes wait here briefly and are written many per transaction: a commit per delivery would
        # cap a worker at the store's commit rate.
        self._outcomes: list[tuple[Claimed, Outcome]] = []
        self._outcomes_waiting = asyncio.Event()
        self._poster = Poster()
        self._wake = asyncio.Event()

    async def run(self) -> None:
        recorder = asyncio.create_task(self._record_outcomes(), name="medley-webhook-outcomes")
        self._wake = wakeup.listen()
        try:
            await self._loop()
        finally:
            wakeup.stop_listening(self._wake)
            for task in self._in_flight:
                task.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recorder
            with contextlib.suppress(Exception):
                await self._write_outcomes()  # what finished before the stop (else the leases lapse)
            await self._poster.aclose()

    async def _loop(self) -> None:
        next_purge = next_publish = 0.0
        master_key = self._settings.master_key.get_secret_value()
        # Claim in batches (a claim is a transaction): once a quarter of the slots are free.
        batch = max(1, self._concurrency // 4)
        while True:
            free = self._concurrency - len(self._in_flight)
            claimed: list[Claimed] = []
            if free >= batch:
                try:
                    if time.monotonic() >= next_purge:
                        next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
                        await outbox.purge_expired_events(
                            self._store, retention=timedelta(days=self._settings.event_retention_days)
                        )
                    if time.monotonic() >= next_publish:  # placing events is for readers: no hurry
                        next_publish = time.monotonic() + self._settings.webhook_poll_seconds
                        await publish(self._store)
                    claimed = await outbox.claim(self._store, limit=free, lease=self._lease, master_key=master_key)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("could not read the webhook outbox; trying again shortly")
            for delivery in claimed:
                task = asyncio.create_task(self._deliver(delivery))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if claimed and len(claimed) == free:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
            elif self._in_flight:
                await asyncio.wait(
                    self._in_flight, timeout=self._settings.webhook_poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.webhook_poll_seconds)
                self._wake.clear()

    async def _deliver(self, delivery: Claimed) -> None:
        outcome = await self._attempt(delivery)
        self._outcomes.append((delivery, outcome))
        self._outcomes_waiting.set()
        level = logging.DEBUG if outcome.succeeded else logging.INFO
        logger.log(level, "delivery %s of subscription %s: %s", delivery.id, delivery.subscription_id,
                   outcome.status_code if outcome.status_code is not None else outcome.error)

    async def _record_outcomes(self) -> None:
        while True:
            await self._outcomes_waiting.wait()
            await asyncio.sleep(_OUTCOME_BATCH_SECONDS)  # let a few more finish
            self._outcomes_waiting.clear()
            try:
                await self._write_outcomes()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The leases will lapse and these deliveries will be sent again: at least once, never lost.
                logger.exception("could not record the outcome of webhook deliveries")

    async def _write_outcomes(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        await outbox.finish_many(self._store, outcomes, retry_scale=self._settings.webhook_retry_scale)

    async def _attempt(self, delivery: Claimed) -> Outcome:
        """One attempt, DNS included, within the timeout; any failure is an outcome, never an exception (an
        attempt that raised would never be counted, and would be retried for ever)."""
        headers = signing.headers(delivery.secrets, delivery.event_id, int(time.time()), delivery.body)
        try:
            async with asyncio.timeout(self._settings.webhook_timeout_seconds):
                target = await resolve(delivery.url, self._settings)
                answer = await self._poster.post(target, headers, delivery.body)
        except TargetRefused as exc:
            return Outcome(None, str(exc))
        except TimeoutError:
            return Outcome(None, "timed out")
        except (OSError, h11.ProtocolError) as exc:
            return Outcome(None, f"connection failed ({type(exc).__name__})")
        except Exception as exc:
            logger.warning("delivery %s: attempt failed (%s)", delivery.id, type(exc).__name__)
            return Outcome(None, f"failed ({type(exc).__name__})")
        retry_after = (
            parse_retry_after(answer.headers.get("retry-after")) if answer.status_code in (429, 503) else None
        )
        return Outcome(answer.status_code, None, retry_after)

"""Sending queued replies exactly once, and pushing read-state back to the platform.

A reply is marked `sending` (compare-and-set from `queued`) before its request goes out. If the
outcome is unknown (a timeout, a cut connection, a garbled answer), we look on the platform for
the reply before sending again, and every retry carries the same idempotency key, so a reply is
never published twice. A reply left `sending` by a killed process is checked the same way on the
next run. Definite refusals (auth, gone, locked thread) mark it `failed` with the reason; the text
is kept so the user can edit and retry.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from core.clock import Clock
from core.connectors.base import (
    BadResponse,
    Connector,
    ConnectorError,
    NetworkError,
    PostedReply,
    RateLimited,
)
from core.models import Item, ItemState, Reply, ReplyState
from core.store.repository import Store
from core.sync.progress import AccountProgress
from core.sync.retry import RetryPolicy

log = logging.getLogger("rapport.outbox")

#: How far before a reply's last state change to look for it on the platform (generous, so a
#: local clock that runs ahead of the platform's does not hide a reply that went out).
LOOKBACK = timedelta(hours=1)
READ_BATCH = 100


class Outbox:
    def __init__(
        self,
        store: Store,
        connector: Connector,
        clock: Clock,
        policy: RetryPolicy,
        rng: random.Random,
    ) -> None:
        self.store = store
        self.connector = connector
        self.clock = clock
        self.policy = policy
        self.rng = rng
        self.account = connector.account.name

    async def flush(self, progress: AccountProgress) -> None:
        pending = await self.store.replies_in([ReplyState.QUEUED, ReplyState.SENDING], self.account)
        for reply in pending:
            await self._send(reply, progress)

    async def _send(self, reply: Reply, progress: AccountProgress) -> None:
        assert reply.id is not None
        item = await self.store.item(reply.item_id)
        if item is None:
            await self.store.update_reply(reply.id, ReplyState.FAILED, error="the item is gone")
            progress.send_failed += 1
            return
        if reply.state is ReplyState.SENDING:
            # A previous run died or lost the answer: the reply may be out there already.
            found = await self._look_for(item, reply)
            if found is not None:
                log.info(
                    "%s: reply %s was sent by an earlier run; found it", self.account, reply.id
                )
                await self._sent(reply, item, found, progress)
                return
            log.info(
                "%s: reply %s was left sending by an earlier run and is not on the platform; "
                "sending it again",
                self.account,
                reply.id,
            )
        elif not await self.store.update_reply(
            reply.id, ReplyState.SENDING, expect=ReplyState.QUEUED, count_attempt=True
        ):
            return  # someone else took it
        posted = await self._post_with_checks(reply, item, progress)
        if posted is not None:
            await self._sent(reply, item, posted, progress)

    async def _post_with_checks(
        self, reply: Reply, item: Item, progress: AccountProgress
    ) -> PostedReply | None:
        assert reply.id is not None
        unknown_outcomes = 0
        while True:
            try:
                return await self.connector.post_reply(item, reply.text, reply.idempotency_key)
            except RateLimited as exc:
                # Refused before it was processed: safe to queue again and wait.
                log.info("%s: reply %s queued again: %s", self.account, reply.id, exc)
                await self.store.update_reply(
                    reply.id, ReplyState.QUEUED, expect=ReplyState.SENDING
                )
                raise
            except (NetworkError, BadResponse) as exc:
                found = await self._look_for(item, reply)
                if found is not None:
                    log.info("%s: reply %s went out despite %s", self.account, reply.id, exc)
                    return found
                if isinstance(exc, BadResponse):
                    await self._failed(reply, str(exc), progress)
                    return None
                unknown_outcomes += 1
                if unknown_outcomes >= self.policy.attempts:
                    # Leave it `sending`: the next run looks for it before trying again.
                    log.warning(
                        "%s: reply %s: %s; left for the next run to check and send",
                        self.account,
                        reply.id,
                        exc,
                    )
                    raise
                delay = self.policy.backoff(unknown_outcomes, self.rng)
                log.info(
                    "%s: reply %s: %s and it is not on the platform; retrying in %.1f s",
                    self.account,
                    reply.id,
                    exc,
                    delay,
                )
                await self.clock.sleep(delay)
            except ConnectorError as exc:
                await self._failed(reply, str(exc), progress)
                return None

    async def _look_for(self, item: Item, reply: Reply) -> PostedReply | None:
        since = (reply.updated_at or self.clock.now()) - LOOKBACK
        return await self.connector.find_reply(
            item, reply.text, since, idempotency_key=reply.idempotency_key
        )

    async def _sent(
        self, reply: Reply, item: Item, posted: PostedReply, progress: AccountProgress
    ) -> None:
        assert reply.id is not None
        assert item.id is not None
        await self.store.update_reply(
            reply.id, ReplyState.SENT, remote_id=posted.remote_id, remote_url=posted.url
        )
        await self.store.set_state([item.id], ItemState.DONE, action="replied")
        progress.sent += 1
        log.info("%s: sent reply %s to item %s", self.account, reply.id, item.id)

    async def _failed(self, reply: Reply, error: str, progress: AccountProgress) -> None:
        assert reply.id is not None
        await self.store.update_reply(reply.id, ReplyState.FAILED, error=error)
        progress.send_failed += 1
        log.warning("%s: reply %s failed: %s", self.account, reply.id, error)

    async def push_read_state(self, progress: AccountProgress) -> None:
        """Items the user finished with are marked read on the platform, in batches."""
        while True:
            items = await self.store.unpushed_read(self.account, READ_BATCH)
            if not items:
                return
            await self.connector.mark_read(items)
            await self.store.mark_read_pushed([i.id for i in items if i.id is not None])
            progress.marked_read += len(items)
            if len(items) < READ_BATCH:
                return

"""What the screens need from outside Textual, in one place: the store connections, the clock,
and the lazily built heavy things (the tone analyser, an HTTP client, connectors, the ledger).

Nothing here imports Textual. The analyser and the connectors are built on first use (the first
draft, the first thread fetched), never at start-up, so the app opens fast.

The analyser is the user's: their sensitivity, watch words and the corrections stored in the
workspace (the same as `rapport check`, `rapport reply` and `rapport sync` load), built again
after a correction, so the app and the command line judge a text the same way.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.clock import Clock
from core.models import ContextPost, Item
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.workspace import Workspace
from tui.text import duration, ordinal

if TYPE_CHECKING:
    from core.ledger import Ledger

log = logging.getLogger("rapport.tui")


@dataclass(slots=True)
class Consistency:
    sentence: str
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ToneCorrected:
    """A correction made from the app: what the item was marked, its verdict now (with the
    reasons, the correction's among them), and how to take it back."""

    item_id: int
    #: True: "this is one" (a conflict); False: "not a conflict".
    marked_conflict: bool
    verdict: Any
    undo: Callable[[], Awaitable[None]]


class Services:
    def __init__(
        self,
        workspace: Workspace,
        store: Store,
        reader: Store,
        clock: Clock,
        *,
        analyzer: Any = None,
    ) -> None:
        self.workspace = workspace
        self.store = store
        self.reader = reader
        self.clock = clock
        #: Given by tests (a stub, used as it is); otherwise built from the config and the
        #: stored corrections on first use, and again after a correction.
        self._given_analyzer = analyzer is not None
        self._analyzer: Any = analyzer
        self._analyzer_stale = False
        self._analyzer_lock: asyncio.Lock | None = None
        self._models_frozen = False
        self._client: Any = None
        self._connectors: dict[str, Any] = {}
        self._ledger: Ledger | None = None

    @property
    def target(self) -> timedelta:
        return self.workspace.config.general.target_response_delta

    # ---- tone ------------------------------------------------------------------------------

    async def tone(self) -> Any:
        """The tone analyser with the user's corrections. Built on first use and after a
        correction, off the UI thread (loading the models takes a few hundred milliseconds the
        first time; later builds only digest the corrections). Thread-safe once returned."""
        if self._analyzer is not None and not self._analyzer_stale:
            return self._analyzer
        if self._analyzer_lock is None:
            self._analyzer_lock = asyncio.Lock()
        async with self._analyzer_lock:
            if self._analyzer is None or self._analyzer_stale:
                # Cleared first: a correction stored while this builds marks it stale again.
                self._analyzer_stale = False
                corrections = await self.store.corrections()
                self._analyzer = await asyncio.to_thread(self._build_analyzer, corrections)
            return self._analyzer

    def reload_tone(self) -> None:
        """The stored corrections changed: the next `tone()` builds the analyser again."""
        if not self._given_analyzer:
            self._analyzer_stale = True

    def _build_analyzer(self, corrections: Sequence[StoredCorrection]) -> Any:
        from core.sync.setup import tone_analyzer

        analyzer = tone_analyzer(self.workspace, corrections)
        analyzer.check("", role="draft")  # load the models now, not on a keystroke
        if not self._models_frozen:
            # The models are long-lived too: keep them out of every full collection.
            gc.freeze()
            self._models_frozen = True
        return analyzer

    async def check_incoming(self, item: Item) -> Any:
        """The verdict on a stored message as the sync gives it: with its thread so far."""
        from core.tone_correction import check_stored_incoming

        return await check_stored_incoming(self.store, await self.tone(), item)

    async def correct_tone(self, item_id: int) -> ToneCorrected:
        """Tell the tone check it was wrong about a message, as `rapport correct` does (both
        run `core.tone_correction.correct_item`): "not a conflict" when it is flagged, "this is
        one" when not (pressed again, the item's earlier correction is replaced by the
        opposite). The message is checked again with the correction learned and its new verdict
        stored; `undo` puts everything back."""
        from core.tone_correction import correct_item, undo_item_correction

        store = self.store

        async def learned() -> Any:
            self.reload_tone()
            return await self.tone()

        corrected = await correct_item(store, item_id, learned)

        async def undo() -> None:
            await undo_item_correction(store, corrected)
            self.reload_tone()

        return ToneCorrected(item_id, corrected.marked_conflict, corrected.verdict, undo)

    # ---- platforms -------------------------------------------------------------------------

    def reply_limit(self, platform: str) -> tuple[int, str]:
        """The platform's longest reply and its unit; (0, "characters") when unknown."""
        try:
            from core.connectors.registry import connector_class

            cls = connector_class(platform)
        except Exception:
            return 0, "characters"
        return int(cls.max_reply_length), str(cls.reply_length_unit)

    def can_fetch(self, account: str) -> bool:
        return any(a.name == account for a in self.workspace.accounts())

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        """Ask the platform for the posts above `item` (raises the connector's typed errors)."""
        connector = self._connector(item.account)
        return list(await connector.fetch_context(item))

    def _connector(self, name: str) -> Any:
        if name in self._connectors:
            return self._connectors[name]
        from core.connectors.base import AuthError
        from core.connectors.registry import connector_class
        from core.http_client import make_client

        account = next((a for a in self.workspace.accounts() if a.name == name), None)
        if account is None:
            raise LookupError(f"the account {name!r} is not in the config any more")
        credentials = self.workspace.secrets.load(name)
        if credentials is None:
            raise AuthError(
                f"no secret is stored for {name}: add it again with "
                f"`rapport accounts add {account.platform} --name {name}`"
            )
        if self._client is None:
            self._client = make_client()
        connector = connector_class(account.platform)(account, credentials, self._client)
        self._connectors[name] = connector
        return connector

    # ---- consistency -----------------------------------------------------------------------

    def ledger(self) -> Ledger:
        """One ledger for the session: it caches the norms every summary compares against."""
        if self._ledger is None:
            from core.ledger import Ledger

            general = self.workspace.config.general
            self._ledger = Ledger.from_config(self.store, general, now=self.clock.now)
        return self._ledger

    async def consistency(self, item: Item) -> Consistency:
        """The author's consistency line: the ledger's sentence when the ledger is installed,
        else plain counts from the store."""
        contact_id = item.author.id
        if contact_id is None or item.id is None:
            return Consistency("")
        try:
            summary = await self.ledger().contact_summary(contact_id)
            return Consistency(summary.sentence, [flag.sentence for flag in summary.flags])
        except Exception:  # a preview line is not worth a crash: plain counts instead
            log.exception("the consistency ledger failed for contact %s", contact_id)
        activity = await self.store.contact_activity(contact_id, item.id)
        parts = [
            "first message from them"
            if activity.messages <= 1
            else f"{ordinal(max(1, activity.ordinal))} message of {activity.messages}"
        ]
        if activity.unanswered:
            parts.append(f"{activity.unanswered} unanswered")
        median = activity.median_reply_seconds
        if median is not None:
            parts.append(f"you usually reply in {duration(median)}")
        elif activity.messages > 1:
            parts.append("you have not replied to them yet")
        return Consistency(", ".join(parts))

    # ---- shutting down ---------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._connectors.clear()

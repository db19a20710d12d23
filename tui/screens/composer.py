"""The reply composer: the message being answered, the draft, a live tone meter, the platform's
length limit, and the conflict gate.

- The tone is re-checked ~150 ms after typing pauses, in a thread: a keystroke never waits for
  the analyser. The verdict's reasons are highlighted in the draft. The check sees what the
  gate sees (core.outbox.draft_context): the thread above, and the user's usual tone with
  this person from the ledger ("colder than usual"), with the user's corrections learned.
- The draft is saved to the store ~0.6 s after typing pauses (and at least every 3 s while
  typing, and on close), so a crash or a quit loses at most a moment of typing; reopening the
  composer on the same item restores it.
- Ctrl+S sends (queues into the outbox; the background sync sends it). A flagged draft is not
  queued: its reasons are shown and only a *different* key, Ctrl+F, sends it anyway, and only
  for the exact text that was shown flagged. Enter only ever inserts a new line.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from core.models import ContextPost, Reply
from core.store.inbox_sql import InboxRow
from tui.debounce import Debouncer
from tui.modals.snippets import SnippetModal
from tui.services import Services
from tui.text import length_in, literal, one_line, safe
from tui.thread import thread_above, thread_root, wants_thread
from tui.widgets.draft_area import DraftArea
from tui.widgets.tone_meter import ToneMeter

TONE_DELAY = 0.15
SAVE_DELAY = 0.6
SAVE_AT_LEAST_EVERY = 3.0


@dataclass(frozen=True, slots=True)
class ComposerOutcome:
    """What happened: a reply was queued (and whether past a conflict flag)."""

    reply: Reply
    forced: bool


class ComposerScreen(ModalScreen[ComposerOutcome | None]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"composer--span"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "send",
            "Send",
            id="composer.send",
            priority=True,
            tooltip="Queue the reply for sending (a flagged reply asks for Ctrl+F)",
        ),
        Binding(
            "ctrl+f",
            "send_anyway",
            "Send anyway",
            id="composer.send_anyway",
            priority=True,
            tooltip="Queue this flagged reply as it is (only after its reasons were shown)",
        ),
        Binding(
            "ctrl+t",
            "snippet",
            "Snippet",
            id="composer.snippet",
            priority=True,
            # No square brackets in a tooltip: the footer draws tooltips as markup.
            tooltip="Insert a saved reply by name (the snippets table of the config)",
        ),
        Binding(
            "ctrl+g",
            "discard",
            "Discard",
            id="composer.discard",
            priority=True,
            tooltip="Throw the draft away and close",
        ),
        Binding(
            "escape",
            "close",
            "Close",
            id="composer.close",
            tooltip="Close; the draft stays saved for later",
        ),
    ]

    class ToneChecked(Message):
        def __init__(self, text: str, verdict: Any) -> None:
            super().__init__()
            self.text = text
            self.verdict = verdict

    class ToneFailed(Message):
        def __init__(self, text: str, error: str) -> None:
            super().__init__()
            self.text = text
            self.error = error

    class QueueAnswered(Message):
        def __init__(self, text: str, outcome: Any, forced: bool, error: str = "") -> None:
            super().__init__()
            self.text = text
            self.outcome = outcome
            self.forced = forced
            self.error = error

    def __init__(self, services: Services, row: InboxRow, *, prefill: str = "") -> None:
        super().__init__()
        self.services = services
        self.row = row
        self.item = row.item
        self.prefill = prefill
        # Known once the platform's connector is imported (in a thread, on mount).
        self.limit, self.unit = 0, "characters"
        #: The exact text whose flag and reasons were shown: Ctrl+F sends only that text.
        self.armed_text: str | None = None
        self.verdict: Any = None
        #: The draft text the tone meter shows the verdict (or the failure) for; None before
        #: the first check. Equal to the draft's text once the check of what was typed is done.
        self.tone_for: str | None = None
        #: The tone check and the draft's save, once typing pauses (`debounce.pending`).
        self.debounce = Debouncer(self)
        self._last_save = time.monotonic()
        self._saved_text = ""
        self._finished = False
        self._latest_text = ""
        self._thread: list[ContextPost] = []
        #: What the draft is checked against (core.outbox.draft_context), loaded on mount.
        self._draft_context: Any = None

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        item = self.item
        title = Text("Reply to ", end="")
        title.append(one_line(item.author.label), "bold")
        title.append(f"  on {item.platform} ({one_line(item.account)})")
        with Vertical(id="composer", classes="dialog"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(id="composer-parent"):
                yield Static(id="composer-thread")
                yield Static(literal(item.text), id="composer-parent-text")
            yield DraftArea(id="draft")
            with Horizontal(id="composer-meter"):
                yield ToneMeter(id="tone-meter")
                yield Static(id="length")
            yield Static(id="verdict")
        yield Footer(show_command_palette=False)  # our own ctrl+p binding shows (remappable)

    async def on_mount(self) -> None:
        area = self.query_one(DraftArea)
        assert self.item.id is not None
        draft = await self.services.store.draft(self.item.id)
        text = safe(draft.text) if draft is not None else self.prefill
        self._saved_text = draft.text if draft is not None else ""
        self._latest_text = text
        area.load_text(text)
        area.move_cursor(area.document.end)
        area.focus()
        if draft is not None:
            self.notify("Draft restored.", timeout=2)
        await self._show_thread()
        self._draft_context = await self._load_context()
        self.limit, self.unit = await asyncio.to_thread(
            self.services.reply_limit, self.item.platform
        )
        self._update_length(text)
        self.query_one(ToneMeter).show_waiting("loading the tone check…")
        self._check_tone(text)

    async def _show_thread(self) -> None:
        """The last posts above the message (from the cache: the preview fetched them)."""
        item = self.item
        if not wants_thread(item):
            return
        try:
            posts = await self.services.store.context(item.account, thread_root(item))
        except KeyError:
            return
        self._thread = thread_above(item, posts)[-2:]
        if not self._thread:
            return
        text = Text(end="")
        for post in self._thread:
            who = "you" if post.is_own else one_line(post.author.label)
            text.append(f"{who}: ", "bold")
            text.append(one_line(post.text)[:300] + "\n")
        self.query_one("#composer-thread", Static).update(text)

    # ---- typing ------------------------------------------------------------------------------

    @on(TextArea.Changed, "#draft")
    def _changed(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        self._latest_text = text
        if self.armed_text is not None and text != self.armed_text:
            # Editing a flagged draft withdraws the permission to send it anyway.
            self.armed_text = None
            self.refresh_bindings()
        self.query_one(DraftArea).clear_marks()
        self._update_length(text)
        self.debounce("tone", TONE_DELAY, self._tone_due)
        overdue = time.monotonic() - self._last_save > SAVE_AT_LEAST_EVERY
        self.debounce("save", 0.01 if overdue else SAVE_DELAY, self._save_due)

    def _tone_due(self) -> None:
        self._check_tone(self.query_one(DraftArea).text)

    async def _save_due(self) -> None:
        await self._save_draft()

    async def _save_draft(self) -> None:
        if self._finished or self.item.id is None:
            return
        # The text as last seen by `_changed`: at shutdown the text area is gone before us.
        text = self._latest_text
        if text == self._saved_text:
            return
        self._last_save = time.monotonic()
        if text.strip():
            await self.services.store.save_draft(self.item.id, self.item.account, text)
        else:
            await self.services.store.discard_draft(self.item.id)
        self._saved_text = text

    @property
    def saved_text(self) -> str:
        """The draft as the store holds it (as this composer last saved or found it)."""
        return self._saved_text

    def _update_length(self, text: str) -> None:
        label = self.query_one("#length", Static)
        used = length_in(text.strip(), self.unit)
        if not self.limit:
            label.update(Text(f"{used} {self.unit}", end=""))
            return
        left = self.limit - used
        label.set_class(left < 0, "-over")
        if left < 0:
            label.update(
                Text(
                    f"{-left} over the {self.item.platform} limit of {self.limit} {self.unit}",
                    end="",
                )
            )
        else:
            label.update(Text(f"{left} of {self.limit} {self.unit} left", end=""))

    # ---- the tone check (a thread worker; the verdict comes back as a message) --------------

    @property
    def thread_texts(self) -> list[str]:
        """The thread the draft answers, oldest first: the posts shown above it, then the item."""
        return [p.text for p in self._thread] + [self.item.text]

    async def _load_context(self) -> Any:
        from core.outbox import draft_context

        try:
            return await draft_context(self.services.store, self.item, self.thread_texts)
        except Exception:  # the ledger is not worth a composer: check without the usual tone
            from core.analysis import ToneContext

            return ToneContext(thread=self.thread_texts, contact_name=self.item.author.label)

    @work(exclusive=True, group="tone", exit_on_error=False)
    async def _check_tone(self, text: str) -> None:
        try:
            # Built off the UI thread on first use (and after a correction).
            analyzer = await self.services.tone()
            verdict = await asyncio.to_thread(
                analyzer.check, text, role="draft", context=self._draft_context
            )
        except Exception as exc:
            self.post_message(self.ToneFailed(text, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.ToneChecked(text, verdict))

    @on(ToneChecked)
    def _tone_checked(self, message: ToneChecked) -> None:
        area = self.query_one(DraftArea)
        if message.text != area.text:
            return  # typing went on; a newer check is coming
        self.verdict = message.verdict
        self.tone_for = message.text
        self.query_one(ToneMeter).show_verdict(message.verdict)
        spans = [s for r in message.verdict.reasons if r.weight > 0 for s in r.spans]
        area.set_marks(message.text, spans, self._mark_style())
        self._show_reasons(message.verdict, armed=self.armed_text == message.text)

    @on(ToneFailed)
    def _tone_failed(self, message: ToneFailed) -> None:
        self.tone_for = message.text
        self.query_one(ToneMeter).show_waiting(f"unavailable ({safe(message.error)})")

    def _mark_style(self) -> Any:
        return self.get_component_rich_style("composer--span", partial=True)

    def _show_reasons(self, verdict: Any, *, armed: bool) -> None:
        box = self.query_one("#verdict", Static)
        # A correction's note shows even when it lowered the risk: it says why the verdict is.
        reasons = [r for r in verdict.reasons if r.weight > 0 or r.rule == "correction"]
        box.set_class(bool(verdict.conflict), "-flagged")
        box.set_class(armed, "-armed")
        if not reasons and not armed:
            box.update("")
            return
        text = Text(end="")
        if armed:
            text.append("This reply looks like it could start a conflict. ", "bold")
            text.append("Edit it, or press Ctrl+F to send it anyway.\n")
        elif verdict.conflict:
            text.append("Likely conflict: ", "bold")
        for reason in reasons[:6]:
            text.append("  • ")
            text.append(safe(reason.label))
            phrases = [one_line(verdict.text[s:e]) for s, e in reason.spans[:3]]
            if phrases := [p for p in phrases if p and p not in reason.label]:
                text.append(": " + ", ".join(f"“{p}”" for p in phrases))
            text.append("\n")
        box.update(text)

    # ---- sending ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_anyway":
            # Hidden and inert until the reasons of this exact text have been shown.
            return self.armed_text is not None and self.armed_text == self._text()
        return True

    def _text(self) -> str:
        return self.query_one(DraftArea).text

    def action_send(self) -> None:
        text = self._text()
        if not text.strip():
            self.notify("Nothing to send yet.", severity="warning", timeout=2)
            return
        if self.limit and length_in(text.strip(), self.unit) > self.limit:
            self.app.bell()
            self.notify(
                f"Too long for {self.item.platform}: at most {self.limit} {self.unit}.",
                severity="error",
                markup=False,
            )
            return
        if self.armed_text == text:
            # A second Ctrl+S on a flagged draft is not a confirmation.
            self.app.bell()
            self.notify("This reply is flagged: Ctrl+F sends it anyway.", severity="warning")
            return
        self._queue(text, force=False)

    def action_send_anyway(self) -> None:
        text = self._text()
        if self.armed_text is None or self.armed_text != text:
            self.app.bell()
            return
        self._queue(text, force=True)

    @work(exclusive=True, group="send", exit_on_error=False)
    async def _queue(self, text: str, force: bool) -> None:
        from core.outbox import queue_reply

        assert self.item.id is not None
        try:
            # The analyser may still be loading: it loads off the event loop.
            analyzer = await self.services.tone()
            outcome = await queue_reply(
                self.services.store,
                analyzer,
                self.item.id,
                text.strip(),
                force=force,
                thread=self.thread_texts,
            )
        except Exception as exc:
            self.post_message(self.QueueAnswered(text, None, force, error=str(exc)))
            return
        self.post_message(self.QueueAnswered(text, outcome, force))

    @on(QueueAnswered)
    async def _queue_answered(self, message: QueueAnswered) -> None:
        if message.error:
            self.notify(
                f"Could not queue the reply: {message.error}", severity="error", markup=False
            )
            return
        outcome = message.outcome
        if outcome.refused:
            self.armed_text = message.text
            self.verdict = outcome.verdict
            self.tone_for = message.text
            self.query_one(ToneMeter).show_verdict(outcome.verdict)
            spans = [s for r in outcome.verdict.reasons if r.weight > 0 for s in r.spans]
            self.query_one(DraftArea).set_marks(message.text, spans, self._mark_style())
            self._show_reasons(outcome.verdict, armed=True)
            self.refresh_bindings()
            self.app.bell()
            return
        self._finished = True
        self._stop_timers()
        self.dismiss(ComposerOutcome(outcome.reply, forced=message.forced))

    # ---- snippets, closing -------------------------------------------------------------------

    def action_snippet(self) -> None:
        def insert(text: str | None) -> None:
            if not text:
                return
            author = self.item.author
            filled = (
                safe(text)
                .replace("{name}", one_line(author.label))
                .replace("{handle}", one_line(author.handle))
            )
            area = self.query_one(DraftArea)
            area.replace(filled, *area.selection)
            area.focus()

        self.app.push_screen(SnippetModal(self.services.workspace.config.snippets), insert)

    async def action_close(self) -> None:
        self._stop_timers()
        await self._save_draft()
        self._finished = True
        if self._text().strip():
            self.notify("Draft saved.", timeout=2)
        self.dismiss(None)

    async def action_discard(self) -> None:
        self._stop_timers()
        self._finished = True
        assert self.item.id is not None
        await self.services.store.discard_draft(self.item.id)
        self.notify("Draft discarded.", timeout=2)
        self.dismiss(None)

    def _stop_timers(self) -> None:
        self.debounce.cancel()

    async def on_unmount(self) -> None:
        # The app is closing with the composer open: keep what was typed.
        self._stop_timers()
        if not self._finished:
            with contextlib.suppress(Exception):  # the store may be closing too
                await self._save_draft()

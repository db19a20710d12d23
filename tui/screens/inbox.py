"""The inbox: the virtual list of the current view beside a preview, with keyboard triage.

Every action is a binding (with an id users can remap), so it shows in the footer, the help
screen and the command palette. Triage actions apply to the selection (x) or the item under the
cursor, change the store, push what they replaced onto the undo stack, and update the list in
place; an exact recount follows in the background. Data for the preview (thread, consistency,
replies, the words behind a conflict flag) is loaded by workers that post messages back.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from core.models import ContextPost, ItemState, Reply, ReplyState
from core.query import parse_query
from core.store.inbox_sql import InboxRow
from core.store.repository import StateSnapshot
from tui.debounce import Debouncer
from tui.inbox_source import InboxSource
from tui.messages import SyncFinished, SyncProgressed
from tui.modals.snooze import SnoozeModal
from tui.modals.tag import TagChange, TagModal
from tui.screens.help import HelpRow, HelpScreen, help_rows
from tui.services import Services
from tui.text import local_time, safe
from tui.thread import thread_above, thread_root, wants_thread
from tui.undo import UndoEntry, UndoStack
from tui.views import BUILTIN_VIEWS, Scope, View, builtin_view, saved_views
from tui.widgets.chip_bar import ChipBar
from tui.widgets.item_list import ItemList
from tui.widgets.preview import PreviewPane
from tui.widgets.search_bar import SearchBar
from tui.widgets.sync_status import SyncStatus
from tui.widgets.view_tabs import ViewTabs

DETAILS_DELAY = 0.12
READ_AFTER = 1.5
RECOUNT_DELAY = 0.4


class InboxScreen(Screen[None]):
    AUTO_FOCUS = "#items"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e",
            "done",
            "Done",
            id="inbox.done",
            tooltip="Mark done (the selection, or the item under the cursor)",
        ),
        Binding(
            "s",
            "snooze",
            "Snooze",
            id="inbox.snooze",
            tooltip="Hide until a time you choose; it comes back as new",
        ),
        Binding("t", "tag", "Tag", id="inbox.tag", tooltip="Add or remove tags"),
        Binding(
            "m",
            "mute",
            "Mute",
            id="inbox.mute",
            tooltip="Mute the whole thread (every stored item of it)",
        ),
        Binding(
            "r",
            "reply",
            "Reply",
            id="inbox.reply",
            tooltip="Write a reply, with a tone check before it is sent",
        ),
        Binding(
            "c",
            "correct",
            "Fix tone",
            id="inbox.correct",
            tooltip="Tell the tone check it was wrong: not a conflict if flagged, else this is one",
        ),
        Binding(
            "u",
            "undo",
            "Undo",
            id="inbox.undo",
            tooltip="Undo the last triage action (repeat to go further back)",
        ),
        Binding(
            "o",
            "open",
            "Open",
            id="inbox.open",
            tooltip="Open the item on its platform in the web browser",
        ),
        Binding(
            "R",
            "retry",
            "Retry reply",
            id="inbox.retry",
            show=False,
            tooltip="Queue a failed reply again",
        ),
        Binding(
            "n",
            "next('owed')",
            "Next owed",
            id="inbox.next_owed",
            tooltip="Jump to the next item you owe a reply",
        ),
        Binding(
            "N",
            "next('flagged')",
            "Next flagged",
            id="inbox.next_flagged",
            show=False,
            tooltip="Jump to the next item flagged as a likely conflict",
        ),
        Binding(
            "1",
            "view('inbox')",
            "Inbox",
            id="inbox.view_inbox",
            show=False,
            tooltip="Open items: not done, snoozed or muted",
        ),
        Binding(
            "2",
            "view('unread')",
            "Unread",
            id="inbox.view_unread",
            show=False,
            tooltip="Open items you have not read yet",
        ),
        Binding(
            "3",
            "view('owed')",
            "Owed",
            id="inbox.view_owed",
            show=False,
            tooltip="Items waiting longer than your target reply time, the longest waiting first",
        ),
        Binding(
            "4",
            "view('flagged')",
            "Flagged",
            id="inbox.view_flagged",
            show=False,
            tooltip="Open items that look like a conflict",
        ),
        Binding(
            "5",
            "view('all')",
            "All",
            id="inbox.view_all",
            show=False,
            tooltip="Everything, including done, snoozed and muted",
        ),
        Binding(
            "slash",
            "search",
            "Search",
            id="inbox.search",
            tooltip='Search: words, "phrases", from: platform: is: tone: tag: ...',
        ),
        Binding(
            "escape",
            "clear",
            "Clear",
            id="inbox.clear",
            tooltip="Clear the selection, else the search",
        ),
        Binding(
            "ctrl+r",
            "sync",
            "Sync now",
            id="inbox.sync",
            show=False,
            tooltip="Fetch new items and send queued replies now",
        ),
        Binding(
            "question_mark",
            "help",
            "Keys",
            id="inbox.help",
            tooltip="Every key, what it does, and its id for remapping",
        ),
    ]

    class DetailsLoaded(Message):
        def __init__(
            self,
            item_id: int,
            replies: list[Reply],
            sentence: str,
            flags: list[str],
            thread: list[ContextPost] | None,
            thread_note: str,
            fetch_thread: bool,
        ) -> None:
            super().__init__()
            self.item_id = item_id
            self.replies = replies
            self.sentence = sentence
            self.flags = flags
            self.thread = thread
            self.thread_note = thread_note
            self.fetch_thread = fetch_thread

    class ThreadFetched(Message):
        def __init__(self, item_id: int, posts: list[ContextPost] | None, error: str) -> None:
            super().__init__()
            self.item_id = item_id
            self.posts = posts
            self.error = error

    class ReasonsFound(Message):
        def __init__(self, item_id: int, reasons: list[Any]) -> None:
            super().__init__()
            self.item_id = item_id
            self.reasons = reasons

    class ToneCorrected(Message):
        """A correction was stored and the message checked again (or it failed: `error`)."""

        def __init__(self, item_id: int, corrected: Any, error: str = "") -> None:
            super().__init__()
            self.item_id = item_id
            self.corrected = corrected
            self.error = error

    class Changed(Message):
        """Rows a worker changed (marked read): merge them into the list."""

        def __init__(self, rows: list[InboxRow], *, keep: bool = False) -> None:
            super().__init__()
            self.rows = rows
            #: Rows the window shows stay, even if they no longer match the view.
            self.keep = keep

    class Drifted(Message):
        """The background recount disagrees with the list: reload it around the cursor."""

    class Counts(Message):
        def __init__(self, counts: dict[str, int]) -> None:
            super().__init__()
            self.counts = counts

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.undo = UndoStack()
        self.views: list[View] = [*BUILTIN_VIEWS, *saved_views(services.workspace.config.views)]
        self.scope = Scope(builtin_view("inbox"))
        #: Loads that wait for input to pause: the preview's details, the tabs' counts, the
        #: recount after a triage action, the reload after a sync (`debounce.pending`).
        self.debounce = Debouncer(self)
        #: Not a debounce: an item is marked read after the cursor stayed on it a while.
        self._read_timer: Timer | None = None
        #: The item whose details (replies, consistency, thread) the preview shows, loaded
        #: since the cursor last came to it; None while they load.
        self.details_for: int | None = None
        self._reasons: dict[int, list[Any]] = {}
        self._thread_notes: dict[int, str] = {}

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield ViewTabs(id="tabs")
            yield SyncStatus(id="sync-status")
        yield SearchBar(id="search")
        yield ChipBar(id="chips")
        with Horizontal(id="main"):
            yield ItemList(id="items", now=self.services.clock.now, target=self.services.target)
            yield PreviewPane(id="preview")
        yield Footer(show_command_palette=False)  # our own ctrl+p binding shows (remappable)

    @property
    def items(self) -> ItemList:
        return self.query_one("#items", ItemList)

    @property
    def preview(self) -> PreviewPane:
        return self.query_one("#preview", PreviewPane)

    async def on_mount(self) -> None:
        self.items.highlight_hook = self._show_preview
        self.query_one(SearchBar).display = False
        # Before the first rows: which accounts share a platform decides the rows' layout.
        accounts = await self.services.store.accounts()
        self.items.set_accounts((a.name, a.platform) for a in accounts)
        self._show_scope()
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        """Once a minute: ages in the list move on (and the owed counts with them), and
        snoozed items whose time has come are back."""
        self.items.redraw()
        self._schedule_counts()
        self.run_worker(self._wake_snoozed(), group="wake", exclusive=True)

    async def _wake_snoozed(self) -> None:
        if await self.services.store.wake_snoozed(self.services.clock.now()):
            self.post_message(self.Drifted())

    # ---- views and search --------------------------------------------------------------------

    def _source(self) -> InboxSource:
        s = self.services
        return InboxSource(s.store, s.reader, self.scope, s.clock.now, s.target)

    def _show_scope(self) -> None:
        self.items.empty_text = (
            self.scope.view.empty if self.scope.search.is_empty else "No item matches the search."
        )
        self.items.set_source(self._source())
        self.query_one(ViewTabs).set_views(self.views, self.scope.view.id)
        chips = self.query_one(ChipBar)
        search_chips = self.scope.search.chips()
        chips.display = bool(search_chips) or not self.scope.view.key
        chips.show(
            f"{self.scope.view.name}: {self.scope.view.query or 'everything'}",
            search_chips,
            "Esc clears the search" if search_chips else "",
        )
        self._schedule_counts(0.01)

    def show_view(self, view_id: str) -> None:
        view = next((v for v in self.views if v.id == view_id), None)
        if view is None:
            return
        self.scope = Scope(view, self.scope.search)
        self._show_scope()

    def action_view(self, view_id: str) -> None:
        self.show_view(view_id)

    def set_search(self, text: str) -> None:
        self.scope = Scope(self.scope.view, parse_query(text))
        self._show_scope()

    def action_search(self) -> None:
        self.query_one(SearchBar).open(self.scope.search.source)
        self.run_worker(self._load_vocabulary(), group="vocabulary", exclusive=True)

    async def _load_vocabulary(self) -> None:
        tags = [t for t, _ in await self.services.reader.tag_counts()]
        accounts = [a.name for a in await self.services.reader.accounts()]
        self.query_one(SearchBar).suggester.set_vocabulary(tags, accounts)

    @on(SearchBar.Applied)
    def _search_applied(self, message: SearchBar.Applied) -> None:
        self.query_one(SearchBar).display = False
        self.set_search(message.text)
        self.items.focus()

    @on(SearchBar.Cancelled)
    def _search_cancelled(self) -> None:
        self.query_one(SearchBar).display = False
        self.items.focus()

    def action_clear(self) -> None:
        if self.items.selected_ids:
            self.items.clear_selection()
        elif not self.scope.search.is_empty:
            self.set_search("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear":
            return bool(self.items.selected_ids) or not self.scope.search.is_empty
        return True

    @on(ItemList.SelectionChanged)
    def _selection_changed(self, message: ItemList.SelectionChanged) -> None:
        self.refresh_bindings()
        self.sub_title = f"{message.count} selected" if message.count else ""

    # ---- counts (the reader connection; never in front of a key press) ----------------------

    def _schedule_counts(self, delay: float = 0.5) -> None:
        self.debounce("counts", delay, self._count_views)

    def _count_views(self) -> None:
        self.run_worker(self._counts(), group="counts", exclusive=True)

    async def _counts(self) -> None:
        counts = {}
        now, target = self.services.clock.now(), self.services.target
        for view in BUILTIN_VIEWS:
            compiled = Scope(view, self.scope.search).compiled(now, target)
            counts[view.id] = await self.services.reader.inbox_count(compiled)
        if not self.scope.view.key:
            counts[self.scope.view.id] = await self.services.reader.inbox_count(
                self.scope.compiled(now, target)
            )
        self.post_message(self.Counts(counts))

    @on(Counts)
    def _counted(self, message: Counts) -> None:
        self.query_one(ViewTabs).set_counts(message.counts)

    @on(ItemList.Counted)
    def _list_counted(self, message: ItemList.Counted) -> None:
        self.query_one(ViewTabs).set_count(self.scope.view.id, message.total)

    # ---- the preview -------------------------------------------------------------------------

    def _show_preview(self, row: InboxRow | None) -> None:
        self.preview.show_item(row, self.services.clock.now(), self.services.target)
        if row is not None and row.item.id in self._reasons:
            self.preview.show_reasons(row.item.id, self._reasons[row.item.id])

    @on(ItemList.Highlighted)
    def _highlighted(self, message: ItemList.Highlighted) -> None:
        row = message.row
        self.debounce.cancel("details")
        if self._read_timer is not None:
            self._read_timer.stop()
        self.details_for = None
        if row is None or row.item.id is None:
            return
        # Wait for the cursor to settle: holding j must not queue a query per row.
        self.debounce("details", DETAILS_DELAY, lambda: self._load_details(row))
        if not row.item.read and row.item.state is ItemState.NEW:
            self._read_timer = self.set_timer(
                READ_AFTER, lambda: self.run_worker(self._mark_read(row), group="read")
            )

    def _load_details(self, row: InboxRow) -> None:
        self.run_worker(self._details(row), group="details", exclusive=True)
        if row.item.tone.conflict and row.item.id not in self._reasons:
            self._find_reasons(row)

    async def _details(self, row: InboxRow) -> None:
        item = row.item
        assert item.id is not None
        store = self.services.store
        replies = await store.replies_for(item.id)
        consistency = await self.services.consistency(item)
        thread: list[ContextPost] | None = None
        note = ""
        fetch = False
        if wants_thread(item):
            thread = thread_above(item, await store.context(item.account, thread_root(item)))
            if thread:
                pass
            elif item.id in self._thread_notes:
                note = self._thread_notes[item.id]  # fetched before: nothing above, or failed
            elif self.services.can_fetch(item.account):
                note, fetch = "loading thread…", True
            else:
                note = "thread not cached (its account is not configured here)"
        self.post_message(
            self.DetailsLoaded(
                item.id, replies, consistency.sentence, consistency.flags, thread, note, fetch
            )
        )

    @on(DetailsLoaded)
    def _details_loaded(self, message: DetailsLoaded) -> None:
        now = self.services.clock.now()
        self.preview.show_replies(message.item_id, message.replies, now)
        self.preview.show_consistency(message.item_id, message.sentence, message.flags)
        self.preview.show_thread(message.item_id, message.thread, message.thread_note, now)
        shown = self.preview.row
        if shown is not None and shown.item.id == message.item_id:
            self.details_for = message.item_id
        row = self.items.current
        if message.fetch_thread and row is not None and row.item.id == message.item_id:
            self.run_worker(self._fetch_thread(row), group="thread", exclusive=True)

    async def _fetch_thread(self, row: InboxRow) -> None:
        item = row.item
        assert item.id is not None
        try:
            posts = await self.services.fetch_context(item)
            if posts:
                await self.services.store.save_context(item.account, thread_root(item), posts)
        except Exception as exc:  # any platform failure is shown inline, never raised
            error = safe(str(exc)) or type(exc).__name__
            self.post_message(self.ThreadFetched(item.id, None, error))
            return
        self.post_message(self.ThreadFetched(item.id, thread_above(item, posts), ""))

    @on(ThreadFetched)
    def _thread_fetched(self, message: ThreadFetched) -> None:
        now = self.services.clock.now()
        if message.error:
            note = f"thread unavailable: {message.error}"
        else:
            note = "" if message.posts else "nothing above this message"
        # Remembered for the session: moving back to the item does not ask again.
        self._thread_notes[message.item_id] = note
        self.preview.show_thread(message.item_id, message.posts, note, now)

    @work(group="reasons", exclusive=True, exit_on_error=False)
    async def _find_reasons(self, row: InboxRow) -> None:
        """Re-run the analyser on a flagged message for the spans of the words that fired
        (the store keeps the reasons' labels only), with its thread, as the sync checked it."""
        try:
            verdict = await self.services.check_incoming(row.item)
        except Exception:
            return
        assert row.item.id is not None
        self.post_message(self.ReasonsFound(row.item.id, list(verdict.reasons)))

    @on(ReasonsFound)
    def _reasons_found(self, message: ReasonsFound) -> None:
        self._reasons[message.item_id] = message.reasons
        if len(self._reasons) > 500:
            self._reasons.pop(next(iter(self._reasons)))
        self.preview.show_reasons(message.item_id, message.reasons)

    async def _mark_read(self, row: InboxRow) -> None:
        """Seen for a moment: read (pushed back to the platform by the next sync)."""
        assert row.item.id is not None
        await self.services.store.set_flags([row.item.id], read=True)
        rows = await self.services.store.inbox_rows_by_id([row.item.id])
        self.post_message(self.Changed(rows, keep=True))

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        # Read while on screen: in the Unread view it stays where it is (the cursor and the
        # preview must not jump away from what is being read) until the list is next reloaded.
        self.items.apply_changes(message.rows, keep=message.keep)
        self._schedule_counts()

    # ---- triage ------------------------------------------------------------------------------

    def _target_ids(self) -> list[int]:
        return [r.item.id for r in self.items.targets() if r.item.id is not None]

    async def _triage(
        self,
        label: str,
        ids: Sequence[int],
        change: Callable[[list[int]], Awaitable[list[StateSnapshot]]],
        *,
        announce: bool = True,
        say: Callable[[UndoEntry], str] | None = None,
    ) -> UndoEntry | None:
        """Apply `change` to the items, remember it for undo, show it, and say so (always with
        `announce`, else only for several items; `say` words it); returns the undo entry (None
        when nothing changed)."""
        if not ids:
            self.app.bell()
            return None
        snapshots = await change(list(ids))
        entry = self.undo.push(label, snapshots)
        self.items.clear_selection()
        await self._refresh_rows(ids)
        if entry is not None and (announce or entry.count > 1):
            self._notify_later(say(entry) if say else f"{entry.describe()} · u undoes")
        return entry

    async def _refresh_rows(self, ids: Sequence[int], focus: int | None = None) -> None:
        """Show changed items: in place when the window covers them, else by a reload."""
        changed = await self.services.store.inbox_rows_by_id(ids)
        exact = self.items.apply_changes(changed)
        if focus is not None and not self.items.focus_key(focus):
            self.items.reload(anchor=focus)
        elif not exact:
            self.items.reload()
        else:
            self._schedule_recount()
        self._schedule_counts()

    def _schedule_recount(self) -> None:
        """The in-place update judged membership in memory; count exactly in a moment."""
        self.debounce("recount", RECOUNT_DELAY, self._verify_list)

    def _verify_list(self) -> None:
        self.run_worker(self._verify(), group="verify", exclusive=True)

    async def _verify(self) -> None:
        source = self.items.source
        if source is not None and await source.count() != self.items.total:
            self.post_message(self.Drifted())

    @on(Drifted)
    def _drifted(self) -> None:
        self.items.reload()

    async def action_done(self) -> None:
        store = self.services.store
        await self._triage(
            "done",
            self._target_ids(),
            lambda ids: store.set_state(ids, ItemState.DONE),
            announce=False,
        )

    def action_snooze(self) -> None:
        ids = self._target_ids()
        if not ids:
            self.app.bell()
            return
        store = self.services.store

        async def chosen(until: Any) -> None:
            if until is None:
                return
            label = f"snoozed until {local_time(until, self.services.clock.now())}"
            await self._triage(label, ids, lambda i: store.set_state(i, ItemState.SNOOZED, until))

        self.app.push_screen(SnoozeModal(self.services.clock.now(), len(ids)), chosen)

    async def action_tag(self) -> None:
        targets = self.items.targets()
        ids = [r.item.id for r in targets if r.item.id is not None]
        if not ids:
            self.app.bell()
            return
        current = sorted({t for r in targets for t in r.item.tags})
        in_use = await self.services.reader.tag_counts()
        store = self.services.store

        async def chosen(change: TagChange | None) -> None:
            if change is None:
                return
            words = [f"+{t}" for t in change.add] + [f"-{t}" for t in change.remove]
            await self._triage(
                "tagged " + " ".join(words),
                ids,
                lambda i: store.change_tags(i, add=change.add, remove=change.remove),
            )

        self.app.push_screen(TagModal(len(ids), current, in_use), chosen)

    async def action_mute(self) -> None:
        store = self.services.store
        ids: list[int] = []
        roots: set[tuple[str, str]] = set()
        for row in self.items.targets():
            item = row.item
            if not item.account:
                full = await store.inbox_rows_by_id([item.id] if item.id else [])
                if not full:
                    continue
                item = full[0].item
            root = item.thread_root_id or item.remote_id
            roots.add((item.account, root))
            ids += [i for i in await store.thread_item_ids(item.account, root) if i not in ids]
            if item.id is not None and item.id not in ids:
                ids.append(item.id)
        threads = "the thread" if len(roots) <= 1 else f"{len(roots)} threads"

        def said(entry: UndoEntry) -> str:
            # A thread may hold many more items than the one under the cursor: say how many.
            noun = "item" if entry.count == 1 else "items"
            return f"Muted {threads}: {entry.count} {noun}; u undoes"

        await self._triage(
            "muted thread",
            ids,
            lambda i: store.set_state(i, ItemState.MUTED, action="mute"),
            say=said,
        )

    def action_correct(self) -> None:
        row = self.items.current
        if row is None or row.item.id is None:
            self.app.bell()
            return
        self._correct(row.item.id)

    @work(group="correct", exclusive=True, exit_on_error=False)
    async def _correct(self, item_id: int) -> None:
        """In a worker: the analyser may have to load before the message is checked again."""
        try:
            corrected = await self.services.correct_tone(item_id)
        except Exception as exc:
            self.post_message(self.ToneCorrected(item_id, None, safe(str(exc)) or "failed"))
            return
        self.post_message(self.ToneCorrected(item_id, corrected))

    @on(ToneCorrected)
    async def _tone_corrected(self, message: ToneCorrected) -> None:
        if message.error:
            self.notify(f"Correction not saved: {message.error}", severity="error", markup=False)
            return
        corrected = message.corrected
        snapshots = await self.services.store.snapshot([message.item_id])
        said = "a conflict" if corrected.marked_conflict else "not a conflict"
        self.undo.push(f"marked {said}", snapshots, corrected.undo)
        # The new verdict's reasons (the correction's among them) replace the ones shown.
        self._reasons[message.item_id] = list(corrected.verdict.reasons)
        await self._refresh_rows([message.item_id])
        self._show_current(message.item_id)
        now = "flagged" if corrected.verdict.conflict else "not flagged"
        self._notify_later(
            f"Marked {said}; similar messages will be judged the same way "
            f"(this one is now {now}) · u undoes"
        )

    def _show_current(self, item_id: int) -> None:
        """The item under the cursor changed: draw its preview (and details) again."""
        row = self.items.current
        if row is not None and row.item.id == item_id:
            self._show_preview(row)
            self._load_details(row)

    async def action_undo(self) -> None:
        entry = self.undo.pop()
        if entry is None:
            self.notify("Nothing to undo.", timeout=2)
            return
        if entry.revert is not None:
            await entry.revert()
            for item_id in entry.item_ids:
                # Shown from the stored verdict again (a flagged one's spans looked up anew).
                self._reasons.pop(item_id, None)
                self.preview.show_reasons(item_id, [])
            await self._refresh_rows(entry.item_ids)
            for item_id in entry.item_ids:
                self._show_current(item_id)
            self._notify_later(f"Undid {entry.describe()}")
            return
        await self.services.store.restore(list(entry.snapshots))
        changed = await self.services.store.inbox_rows_by_id(entry.item_ids)
        source = self._source()
        keys = [r.sort_key for r in changed if source.still_matches(r)]
        await self._refresh_rows(entry.item_ids, focus=source.topmost(keys))
        self._notify_later(f"Undid {entry.describe()}")

    def _notify_later(self, message: str) -> None:
        """A toast after the frame that shows the change (a toast costs a layout)."""
        self.call_after_refresh(self.notify, message, timeout=2.5, markup=False)

    # ---- moving ------------------------------------------------------------------------------

    async def action_next(self, what: str) -> None:
        current = self.items.current
        source = self._source()
        key = await source.next_matching(f"is:{what}", current.sort_key if current else None)
        wrapped = False
        if key is None and current is not None:
            key = await source.next_matching(f"is:{what}", None)
            wrapped = key is not None and key != current.sort_key
        if key is None or (current is not None and key == current.sort_key and not wrapped):
            self.notify(f"No other {what} item in this view.", timeout=2)
            return
        if not self.items.focus_key(key):
            self.items.reload(anchor=key)
        if wrapped:
            self.notify("Wrapped around to the top.", timeout=1.5)

    # ---- replies, links ----------------------------------------------------------------------

    async def action_reply(self) -> None:
        from tui.screens.composer import ComposerOutcome, ComposerScreen

        row = self.items.current
        if row is None or row.item.id is None:
            self.app.bell()
            return
        replies = await self.services.store.replies_for(row.item.id)
        failed = [r for r in replies if r.state is ReplyState.FAILED]
        prefill = failed[-1].text if failed else ""
        item_id = row.item.id

        async def closed(outcome: ComposerOutcome | None) -> None:
            await self._refresh_rows([item_id])
            row_now = self.items.current
            if row_now is not None and row_now.item.id == item_id:
                self._load_details(row_now)
            if outcome is not None:
                if outcome.forced:
                    said = "Reply queued despite the conflict flag; it goes out with the next sync."
                else:
                    said = "Reply queued; it goes out with the next sync."
                self.notify(said, timeout=3, markup=False)
                self.app.request_sync()  # type: ignore[attr-defined]

        self.app.push_screen(ComposerScreen(self.services, row, prefill=prefill), closed)

    async def action_retry(self) -> None:
        row = self.items.current
        if row is None or row.item.id is None:
            return
        replies = await self.services.store.replies_for(row.item.id)
        failed = [r for r in replies if r.state is ReplyState.FAILED and r.id is not None]
        if not failed:
            self.notify("No failed reply here to retry.", timeout=2)
            return
        reply_id = failed[-1].id
        assert reply_id is not None
        await self.services.store.update_reply(
            reply_id, ReplyState.QUEUED, expect=ReplyState.FAILED
        )
        await self._refresh_rows([row.item.id])
        self._load_details(row)
        self.notify("Reply queued again.", timeout=2)
        self.app.request_sync()  # type: ignore[attr-defined]

    def action_open(self) -> None:
        row = self.items.current
        if row is None or not row.item.url:
            self.notify("This item has no link.", timeout=2)
            return
        self._open_url(row.item.url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_url(self, url: str) -> None:
        # webbrowser may start a text browser or wait on a slow launcher: never on the UI loop.
        try:
            opened = webbrowser.open(url)
        except Exception:
            opened = False
        if not opened:
            self.app.notify(f"No browser could open {url}", severity="warning", markup=False)

    # ---- sync --------------------------------------------------------------------------------

    def action_sync(self) -> None:
        if not self.app.request_sync():  # type: ignore[attr-defined]
            self.notify("A sync is already running.", timeout=2)

    def on_sync_event(self, event: Message) -> None:
        """Called by the app for every sync message (subscribed through its signal)."""
        app: Any = self.app
        self.query_one(SyncStatus).show(app.sync_accounts, app.sync_note, self.services.clock.now())
        if isinstance(event, SyncProgressed) and event.progress.new_item_ids:
            self._schedule_reload()
        elif isinstance(event, SyncFinished) and event.summary is not None:
            self._schedule_reload(0.05)

    def _schedule_reload(self, delay: float = 0.3) -> None:
        self.debounce("reload", delay, self._reload_after_sync)

    def _reload_after_sync(self) -> None:
        self.items.reload()  # anchored on the cursor's item: it stays where it is
        self._schedule_counts()
        row = self.items.current
        if row is not None:
            self._load_details(row)

    # ---- help --------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(self.help_rows(), str(self.services.workspace.paths.config_file))
        )

    def help_rows(self) -> list[HelpRow]:
        """Every key of every screen, with the key it has now (after the user's keymap)."""
        return help_rows(self.app, getattr(self.app, "user_keymap", None))

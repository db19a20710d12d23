"""The inbox list: a virtual list over the store, drawn line by line.

It never holds the whole view. It knows the view's size (for the scrollbar), a window of a few
hundred rows around what is on screen (fetched by keyset on sort_key), and the cursor. Rows are
drawn with the Line API (`render_line`), so 100,000 items cost what 45 visible rows cost.

Loading is asynchronous: a missing row draws as a placeholder and asks for its page; the page
arrives as a message and the rows appear. Reloads (after a sync, or a background recount) anchor
on the item under the cursor, so it stays selected and on the same screen line while rows are
added or removed around it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.models import ItemState
from core.query import DIRECT_KINDS
from core.store.inbox_sql import InboxRow
from tui.inbox_source import InboxSource
from tui.text import age, one_line

#: Rows kept around the screen; a page is what one fetch asks for.
WINDOW = 400
PAGE = 120
#: Start fetching when the cursor or the screen comes this close to the window's edge.
MARGIN = 60

PLATFORM_BADGES = {"mastodon": "ma", "bluesky": "bs", "reddit": "rd", "github": "gh"}
REPLY_MARKS = {"queued": "⇡", "sending": "⇡", "sent": "↩", "failed": "✗"}
#: The widest compact account marker (when the full account column does not fit).
MARK_WIDTH = 8
_WORD_EDGE = re.compile(r"[-_.@ ]")


@dataclass(frozen=True, slots=True)
class AccountMarks:
    """Short names for the accounts that share a platform with another account (others have
    none: the platform badge says enough), and the column width they need."""

    names: dict[str, str] = field(default_factory=dict)
    width: int = 0

    @classmethod
    def of(cls, accounts: Iterable[tuple[str, str]]) -> AccountMarks:
        by_platform: dict[str, list[str]] = {}
        for name, platform in accounts:
            names = by_platform.setdefault(platform, [])
            if name not in names:
                names.append(name)
        marks: dict[str, str] = {}
        for names in by_platform.values():
            if len(names) > 1:
                marks.update(short_names(names))
        width = min(MARK_WIDTH, max((len(m) for m in marks.values()), default=0))
        return cls(marks, width)


def short_names(names: list[str]) -> dict[str, str]:
    """Names told apart by what differs: "work-mastodon" and "home-mastodon" are "work" and
    "home". The common start and end are cut at a separator (-, _, ., @, space); when that
    leaves an empty or a repeated name, the full names."""
    prefix = _common_edge(names, reverse=False)
    suffix = _common_edge(names, reverse=True)
    short = {n: n[len(prefix) : len(n) - len(suffix)] for n in names}
    if any(not s for s in short.values()) or len(set(short.values())) < len(names):
        return {n: n for n in names}
    return short


def _common_edge(names: list[str], *, reverse: bool) -> str:
    """The longest common start (or end) of every name that ends (or starts) at a separator."""
    texts = [n[::-1] if reverse else n for n in names]
    common = texts[0]
    for text in texts[1:]:
        while not text.startswith(common):
            common = common[:-1]
    cut = max((m.end() for m in _WORD_EDGE.finditer(common)), default=0)
    edge = common[:cut]
    return edge[::-1] if reverse else edge


@dataclass(frozen=True, slots=True)
class _Styles:
    """The component styles of one render pass (read once, not per row)."""

    base: Style
    cursor: Style
    selected: Style
    unread: Style
    unread_author: Style
    muted: Style
    author: Style
    tags: Style
    conflict: Style
    negative: Style
    positive: Style
    owed: Style
    done: Style
    failed: Style
    placeholder: Style
    platforms: tuple[tuple[str, Style], ...]

    def platform(self, name: str) -> Style:
        return next((s for p, s in self.platforms if p == name), self.muted)


class ItemList(ScrollView, can_focus=True):
    """Items of the current view in its order (newest first, or oldest first), with a cursor
    and a selection."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "item-list--cursor",
        "item-list--cursor-blurred",
        "item-list--selected",
        "item-list--unread",
        "item-list--unread-author",
        "item-list--muted",
        "item-list--author",
        "item-list--tags",
        "item-list--conflict",
        "item-list--negative",
        "item-list--positive",
        "item-list--owed",
        "item-list--done",
        "item-list--failed",
        "item-list--placeholder",
        "item-list--mastodon",
        "item-list--bluesky",
        "item-list--reddit",
        "item-list--github",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "j,down",
            "cursor_down",
            "Down",
            id="list.down",
            show=False,
            tooltip="Move to the next item down the list",
        ),
        Binding(
            "k,up",
            "cursor_up",
            "Up",
            id="list.up",
            show=False,
            tooltip="Move to the previous item up the list",
        ),
        Binding(
            "g,home",
            "first",
            "Top",
            id="list.first",
            show=False,
            tooltip="Jump to the top of the list (the newest item; in Owed, the longest waiting)",
        ),
        Binding(
            "G,end",
            "last",
            "Bottom",
            id="list.last",
            show=False,
            tooltip="Jump to the end of the list",
        ),
        Binding(
            "pagedown,ctrl+f",
            "page_down",
            "Page down",
            id="list.page_down",
            show=False,
            tooltip="Move one screen down",
        ),
        Binding(
            "pageup,ctrl+b",
            "page_up",
            "Page up",
            id="list.page_up",
            show=False,
            tooltip="Move one screen up",
        ),
        Binding(
            "x",
            "toggle_select",
            "Select",
            id="list.select",
            tooltip="Select or unselect this item (actions then apply to every selected item)",
        ),
        Binding(
            "X",
            "clear_selection",
            "Clear selection",
            id="list.clear_selection",
            show=False,
            tooltip="Unselect everything",
        ),
    ]

    class Highlighted(Message):
        """The item under the cursor changed (or changed content); None when the list is empty."""

        def __init__(self, row: InboxRow | None) -> None:
            super().__init__()
            self.row = row

    class Counted(Message):
        """The number of items in the view is known (or changed)."""

        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    class SelectionChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    @dataclass
    class _Window(Message, bubble=False):
        """Rows fetched by a worker, for the handler to merge (workers never touch state)."""

        generation: int
        rows: list[InboxRow]
        start: int
        replace: bool
        total: int | None = None
        cursor: int | None = None
        #: Keep the cursor on this screen line (a reload anchored on the cursor's item).
        screen_row: int | None = None
        #: An answer to `_request` (which allows the next one).
        page: bool = False
        error: str = ""

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        target: timedelta,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._now = now
        self._target = target
        self.source: InboxSource | None = None
        self.total = 0
        self.cursor = 0
        self.loaded = False
        self.empty_text = "Nothing here."
        self._rows: list[InboxRow] = []
        self._start = 0
        self._selected: dict[int, int] = {}
        self._generation = 0
        self._inflight = False
        self._highlighted: InboxRow | None = None
        #: Called with the new row in the same call as the cursor move, before any message:
        #: the screen draws the preview there so the list and the preview change in one frame
        #: (a message arrives a frame later). Slow work still goes through Highlighted.
        self.highlight_hook: Callable[[InboxRow | None], None] | None = None
        # Drawn rows by (id(row), width, cursor?, selected?, styles). The row itself is kept in
        # the value, so its id cannot be reused by another object while the entry lives; rows
        # are replaced, never changed in place, so a changed item gets a new entry.
        self._strips: dict[tuple[object, ...], tuple[InboxRow, Strip]] = {}
        self._style_pass: tuple[tuple[object, ...], _Styles] | None = None
        #: Short account names, for the accounts that share a platform with another one.
        self._marks = AccountMarks()

    def set_accounts(self, accounts: Iterable[tuple[str, str]]) -> None:
        """The (name, platform) of every account: where two share a platform, each row
        names its account (compactly when the list is too narrow for the account column)."""
        marks = AccountMarks.of(accounts)
        if marks != self._marks:
            self._marks = marks
            self._strips.clear()
            self.refresh()

    # ---- data --------------------------------------------------------------------------------

    def set_source(self, source: InboxSource) -> None:
        """Show another view or search: start again at the top."""
        self.source = source
        self._generation += 1
        self._rows, self._start, self.total, self.cursor = [], 0, 0, 0
        self._inflight = False
        self.loaded = False
        self._selected.clear()
        self.post_message(self.SelectionChanged(0))
        self.set_scroll(None, 0)
        self._set_total(0)
        self._fetch(self._initial(self._generation, source))

    def reload(self, anchor: int | None = None) -> None:
        """Fetch everything again around the cursor's item (or `anchor`), keeping it in place."""
        if self.source is None:
            return
        row = self.row_at(self.cursor)
        key = anchor if anchor is not None else (row.sort_key if row is not None else None)
        self._generation += 1
        self._inflight = False
        if key is None:
            self._fetch(self._initial(self._generation, self.source))
            return
        screen_row = max(0, self.cursor - round(self.scroll_y))
        self._fetch(self._around(self._generation, self.source, key, screen_row))

    def _fetch(self, work: Awaitable[None]) -> None:
        self.run_worker(work, group="item-list", exit_on_error=False)

    async def _initial(self, generation: int, source: InboxSource) -> None:
        rows = await source.first(PAGE)
        # Rows first: the screen shows them before the count (the scrollbar) arrives.
        self.post_message(self._Window(generation, rows, 0, True, total=len(rows), cursor=0))
        total = await source.count()
        self.post_message(self._Window(generation, [], 0, False, total=total))

    async def _around(
        self, generation: int, source: InboxSource, key: int, screen_row: int
    ) -> None:
        position = await source.position(key)
        total = await source.count()
        above = await source.above(key, WINDOW // 2)
        below = await source.below(key, WINDOW // 2, inclusive=True)
        rows = above + below
        start = max(0, position - len(above))
        self.post_message(
            self._Window(
                generation,
                rows,
                start,
                True,
                total=total,
                cursor=position,
                screen_row=screen_row,
            )
        )

    async def _page(
        self, generation: int, source: InboxSource, plan: tuple[str, int, int, int]
    ) -> None:
        """Fetch one page as planned by `_request` (a worker: it only reads the store)."""
        how, key, count, start = plan
        try:
            if how == "below":
                page = await source.below(key, count)
                window = self._Window(generation, page, start, False, page=True)
            elif how == "above":
                page = await source.above(key, count)
                window = self._Window(generation, page, start - len(page), False, page=True)
            elif how == "last":
                page = await source.last(count)
                window = self._Window(generation, page, max(0, start - len(page)), True, page=True)
            else:
                page = await source.at(start, count)
                window = self._Window(generation, page, start, True, page=True)
        except Exception as exc:  # a locked or vanished database must not kill the list
            self.post_message(self._Window(generation, [], 0, False, page=True, error=str(exc)))
            return
        self.post_message(window)

    @on(_Window)
    def _merge(self, message: _Window) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # a view or reload superseded it
        if message.page:
            self._inflight = False
        if message.error:
            self.notify(
                f"could not read the inbox: {message.error}", severity="error", markup=False
            )
            return
        if message.replace:
            self._rows, self._start = list(message.rows), message.start
        elif message.rows:
            self._extend(message.rows, message.start)
        if message.total is not None:
            self._set_total(message.total)
            self.loaded = True
            self.post_message(self.Counted(self.total))
        if message.cursor is not None:
            self.cursor = min(max(0, message.cursor), max(0, self.total - 1))
            if message.screen_row is not None:
                self.set_scroll(None, self._clamp_scroll(self.cursor - message.screen_row))
            self._scroll_to_cursor()
        self._strips.clear()
        self.refresh()
        self._announce()

    def _extend(self, page: list[InboxRow], start: int) -> None:
        end = self._start + len(self._rows)
        if start == end:
            self._rows.extend(page)
        elif start + len(page) == self._start:
            self._rows[:0] = page
            self._start = start
        else:
            self._rows, self._start = list(page), start
        # Keep the window bounded: drop rows far from the screen.
        if len(self._rows) > WINDOW * 2:
            middle = round(self.scroll_y) - self._start
            keep_from = max(0, middle - WINDOW)
            keep_to = keep_from + WINDOW * 2
            self._rows = self._rows[keep_from:keep_to]
            self._start += keep_from

    def _set_total(self, total: int, *, soon: bool = False) -> None:
        """Set the number of rows; the scrollbar follows now, or (`soon`) in the next frame.

        A new virtual size makes the screen lay out again (~10 ms here). After a triage
        action the rows on screen matter, the scrollbar's length can wait a frame."""
        self.total = max(0, total)
        if self.cursor >= self.total:
            self.cursor = max(0, self.total - 1)
        if soon:
            self.call_after_refresh(self._sync_virtual_size)
        else:
            self._sync_virtual_size()

    def _sync_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.total)
        if size != self.virtual_size:
            self.virtual_size = size

    def row_at(self, index: int) -> InboxRow | None:
        offset = index - self._start
        if 0 <= offset < len(self._rows):
            return self._rows[offset]
        return None

    @property
    def current(self) -> InboxRow | None:
        return self.row_at(self.cursor)

    def index_of_key(self, sort_key: int) -> int | None:
        for offset, row in enumerate(self._rows):
            if row.sort_key == sort_key:
                return self._start + offset
        return None

    def _request(self, index: int) -> None:
        """Plan the fetch that brings row `index`: extend the window from its nearer edge by
        keyset, or (far away) jump there."""
        if self._inflight or self.source is None or not (0 <= index < self.total):
            return
        rows, start = self._rows, self._start
        end = start + len(rows)
        plan: tuple[str, int, int, int]
        if rows and end <= index < end + WINDOW:
            plan = ("below", rows[-1].sort_key, max(PAGE, index - end + MARGIN), end)
        elif rows and start - WINDOW <= index < start:
            plan = ("above", rows[0].sort_key, min(start, max(PAGE, start - index + MARGIN)), start)
        elif index >= self.total - PAGE:
            plan = ("last", 0, PAGE, self.total)
        else:
            plan = ("at", 0, PAGE, max(0, index - PAGE // 2))
        self._inflight = True
        self._fetch(self._page(self._generation, self.source, plan))

    def _prefetch(self) -> None:
        """Ask for the next page before the cursor or screen reaches the window's edge."""
        if not self._rows or self._inflight:
            return
        top, bottom = round(self.scroll_y), round(self.scroll_y) + self.size.height
        end = self._start + len(self._rows)
        if bottom + MARGIN > end and end < self.total:
            self._request(end)
        elif top - MARGIN < self._start and self._start > 0:
            self._request(self._start - 1)

    # ---- changes made by the screen (triage) -------------------------------------------------

    def apply_changes(self, changed: list[InboxRow], *, keep: bool = False) -> bool:
        """Merge rows a triage action changed: drop those that left the view, update or insert
        the rest where the window covers them. The cursor stays on its item, or (when that
        item left) on the one that moved up into its place. With `keep`, rows in the window
        stay even if they left the view (until the next reload). Returns False if some change
        fell outside the window (the caller then reloads, to count exactly)."""
        exact = True
        # Pages in flight were planned against the old window: let them go.
        self._generation += 1
        self._inflight = False
        for row in changed:
            offset = next((i for i, r in enumerate(self._rows) if r.item.id == row.item.id), None)
            keeps = self.source is not None and self.source.still_matches(row)
            if offset is not None and (keeps or keep):
                self._rows[offset] = row
            elif offset is not None:
                del self._rows[offset]
                self.total -= 1
                if self._start + offset < self.cursor:
                    self.cursor -= 1
            elif keeps and not self._insert(row):
                exact = False
        self._set_total(self.total, soon=True)
        self._scroll_to_cursor()
        self.refresh()
        self._announce()
        self.post_message(self.Counted(self.total))
        return exact

    def _insert(self, row: InboxRow) -> bool:
        """Put a row back into the window at its place by sort_key, if the window covers it."""
        assert self.source is not None
        before = self.source.before  # whether one key is drawn above another
        key = row.sort_key
        rows = self._rows
        at_top = self._start == 0
        at_bottom = self._start + len(rows) >= self.total
        if rows and (before(rows[-1].sort_key, key) and not at_bottom):
            return False
        if rows and (before(key, rows[0].sort_key) and not at_top):
            return False
        offset = next((i for i, r in enumerate(rows) if before(key, r.sort_key)), len(rows))
        rows.insert(offset, row)
        self.total += 1
        if self._start + offset <= self.cursor and self.total > 1:
            self.cursor += 1
        return True

    def focus_key(self, sort_key: int) -> bool:
        """Move the cursor onto the item with this sort_key if it is in the window."""
        index = self.index_of_key(sort_key)
        if index is None:
            return False
        self.move_to(index)
        return True

    # ---- selection ---------------------------------------------------------------------------

    @property
    def selected_ids(self) -> list[int]:
        return list(self._selected)

    def targets(self) -> list[InboxRow]:
        """What an action applies to: the selection, else the item under the cursor."""
        if self._selected:
            by_id = {r.item.id: r for r in self._rows}
            chosen = [by_id[i] for i in self._selected if i in by_id]
            missing = [i for i in self._selected if i not in by_id]
            # Selected items scrolled out of the window still count: the screen refetches ids.
            return chosen + [_stub(i, k) for i, k in self._selected.items() if i in missing]
        row = self.current
        return [row] if row is not None else []

    def clear_selection(self) -> None:
        if self._selected:
            self._selected.clear()
            self._strips.clear()
            self.refresh()
            self.post_message(self.SelectionChanged(0))

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None or row.item.id is None:
            self.app.bell()
            return
        if row.item.id in self._selected:
            del self._selected[row.item.id]
        else:
            self._selected[row.item.id] = row.sort_key
        self.post_message(self.SelectionChanged(len(self._selected)))
        self.refresh_line(self.cursor)
        self.move_to(self.cursor + 1)

    def action_clear_selection(self) -> None:
        self.clear_selection()

    # ---- the cursor --------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if self.total == 0:
            return
        index = min(max(0, index), self.total - 1)
        old, self.cursor = self.cursor, index
        self._scroll_to_cursor()
        self.refresh_line(old)
        self.refresh_line(index)
        self._announce()
        if self.row_at(index) is None:
            self._request(index)
        else:
            self._prefetch()

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.total - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 1))

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.size.height)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.set_scroll(None, self._clamp_scroll(self.cursor))
        elif self.cursor >= top + height:
            self.set_scroll(None, self._clamp_scroll(self.cursor - height + 1))
        else:
            self.set_scroll(None, self._clamp_scroll(top))

    def _clamp_scroll(self, y: int) -> int:
        return max(0, min(y, self.total - max(1, self.size.height)))

    def _announce(self) -> None:
        row = self.current
        if row is not self._highlighted:
            self._highlighted = row
            if self.highlight_hook is not None:
                self.highlight_hook(row)
            self.post_message(self.Highlighted(row))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._prefetch()

    def on_resize(self, event: events.Resize) -> None:
        self._sync_virtual_size()
        self._strips.clear()
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        self.move_to(round(self.scroll_y) + event.y)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- drawing -----------------------------------------------------------------------------

    def _styles(self) -> _Styles:
        get = self.get_component_rich_style
        return _Styles(
            base=self.rich_style,
            cursor=get(
                "item-list--cursor" if self.has_focus else "item-list--cursor-blurred",
                partial=True,
            ),
            selected=get("item-list--selected", partial=True),
            unread=get("item-list--unread", partial=True),
            unread_author=get("item-list--unread-author", partial=True),
            muted=get("item-list--muted", partial=True),
            author=get("item-list--author", partial=True),
            tags=get("item-list--tags", partial=True),
            conflict=get("item-list--conflict", partial=True),
            negative=get("item-list--negative", partial=True),
            positive=get("item-list--positive", partial=True),
            owed=get("item-list--owed", partial=True),
            done=get("item-list--done", partial=True),
            failed=get("item-list--failed", partial=True),
            placeholder=get("item-list--placeholder", partial=True),
            platforms=tuple((p, get(f"item-list--{p}", partial=True)) for p in PLATFORM_BADGES),
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_pass = None
        self._strips.clear()

    def redraw(self) -> None:
        """Draw every row again (the ages move on with the clock)."""
        self._strips.clear()
        self.refresh()

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        # Component styles are read once per theme and focus state, not on every frame.
        key = (self.app.theme, self.has_focus)
        if self._style_pass is None or self._style_pass[0] != key:
            self._style_pass = (key, self._styles())
        self._pass_styles = self._style_pass[1]
        self._pass_now = self._now()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        styles = getattr(self, "_pass_styles", None) or self._styles()
        if self.total == 0:
            if self.loaded and y == 1:
                return _plain(f"  {self.empty_text}", width, styles.base + styles.muted)
            return Strip.blank(width, styles.base)
        if index >= self.total:
            return Strip.blank(width, styles.base)
        row = self.row_at(index)
        if row is None:
            self.call_later(self._request, index)
            return _plain("  ·", width, styles.base + styles.placeholder)
        is_cursor = index == self.cursor
        selected = row.item.id in self._selected
        key = (id(row), width, is_cursor, selected, id(styles))
        cached = self._strips.get(key)
        if cached is None:
            now = getattr(self, "_pass_now", None) or self._now()
            strip = Strip(
                _segments(row, width, styles, now, self._target, is_cursor, selected, self._marks),
                width,
            )
            if len(self._strips) > 2_000:
                self._strips.clear()
            self._strips[key] = (row, strip)
            return strip
        return cached[1]


def _stub(item_id: int, sort_key: int) -> InboxRow:
    """A placeholder row for a selected item outside the window (only its id is used)."""
    from core.models import Contact, Item, ItemKind

    item = Item(
        account="",
        platform="",
        remote_id="",
        kind=ItemKind.MENTION,
        author=Contact(platform="", remote_id="", handle=""),
        text="",
        created_at=datetime.min,
        id=item_id,
        sort_key=sort_key,
    )
    return InboxRow(item=item)


def _plain(text: str, width: int, style: Style) -> Strip:
    return Strip([Segment(_fit(text, width), style)], width)


def _fit(text: str, width: int) -> str:
    """Exactly `width` cells: cut with an ellipsis, or padded."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def is_owed(row: InboxRow, now: datetime, target: timedelta) -> bool:
    """The same test as is:owed (core.query.owed_sql): addressed to the user, open and still
    there, older than the target, and answered neither from Rapport nor on the platform."""
    item = row.item
    return (
        item.state is ItemState.NEW
        and item.kind.value in DIRECT_KINDS
        and item.created_at <= now - target
        and not row.deleted
        and not row.answered
        and row.reply_state != "sent"
    )


def _segments(
    row: InboxRow,
    width: int,
    styles: _Styles,
    now: datetime,
    target: timedelta,
    is_cursor: bool,
    selected: bool,
    marks: AccountMarks | None = None,
) -> list[Segment]:
    item = row.item
    line = styles.base
    if selected:
        line += styles.selected
    if is_cursor:
        line += styles.cursor
    dim = item.state is not ItemState.NEW
    text_style = line + (styles.done if dim else Style())
    unread = not item.read and item.state is ItemState.NEW
    owed = is_owed(row, now, target)

    tone = item.tone
    if tone.conflict:
        tone_mark, tone_style = "!", styles.conflict
    elif tone.polarity <= -0.1:
        tone_mark, tone_style = "-", styles.negative
    elif tone.polarity >= 0.1:
        tone_mark, tone_style = "+", styles.positive
    else:
        tone_mark, tone_style = " ", Style()
    if owed:
        state_mark, state_style = "◷", styles.owed
    elif item.state is ItemState.SNOOZED:
        state_mark, state_style = "z", styles.muted
    elif item.state is ItemState.MUTED:
        state_mark, state_style = "m", styles.muted
    elif item.state is ItemState.DONE:
        state_mark, state_style = "✓", styles.muted
    else:
        state_mark, state_style = " ", Style()
    if row.reply_state in REPLY_MARKS:
        reply_mark = REPLY_MARKS[row.reply_state]
        reply_style = styles.failed if row.reply_state == "failed" else styles.muted
    elif row.has_draft:
        reply_mark, reply_style = "✎", styles.muted
    else:
        reply_mark, reply_style = " ", Style()

    author = one_line(item.author.label) or "?"
    account = one_line(item.account)
    tags = " ".join(f"#{one_line(t)}" for t in item.tags)
    when = age(item.created_at, now)

    segments = [
        Segment("●" if selected else " ", line + styles.tags),
        Segment("•" if unread else " ", line + styles.unread),
        Segment(PLATFORM_BADGES.get(item.platform, "··"), line + styles.platform(item.platform)),
        Segment(" ", line),
    ]
    used = 5
    if width >= 100:
        segments.append(Segment(_fit(account, 12) + " ", line + styles.muted))
        used += 13
    elif marks is not None and marks.width:
        # Too narrow for every account's name; where one platform has several accounts,
        # which of them (the platform badge alone would not tell).
        mark = marks.names.get(item.account, "")
        segments.append(Segment(_fit(one_line(mark), marks.width) + " ", line + styles.muted))
        used += marks.width + 1
    author_width = 18 if width >= 80 else 12
    segments.append(
        Segment(
            _fit(author, author_width) + " ",
            line
            + styles.author
            + (styles.unread_author if unread else Style())
            + (styles.done if dim else Style()),
        )
    )
    used += author_width + 1
    tail = 3 + 1 + 4  # markers, a space, the age
    tag_width = min(cell_len(tags), 18, max(0, width - used - tail - 20)) if tags else 0
    text_width = max(0, width - used - tail - (tag_width + 1 if tag_width else 0))
    segments.append(Segment(_fit(one_line(item.text), text_width), text_style))
    if tag_width:
        segments.append(Segment(" " + _fit(tags, tag_width), line + styles.tags))
    segments += [
        Segment(tone_mark, line + tone_style),
        Segment(state_mark, line + state_style),
        Segment(reply_mark, line + reply_style),
        Segment(" ", line),
        Segment(_fit(when.rjust(4), 4), line + (styles.owed if owed else styles.muted)),
    ]
    return segments

"""The preview of the item under the cursor: who, where, when, the full text, its thread, the
tone verdict with the words that fired highlighted, the author's consistency line and the state
of the user's reply.

A plain widget: the inbox screen loads the data (in workers) and calls the `show_*` methods.
All platform text goes through tui.text (safe, literal Text), never through markup.

It draws its own lines (Line API) instead of stacking Static widgets: a Static that changes
size makes the whole screen lay out again (and the scrollbars a frame later), which on every
cursor move cost two or three extra frames. Here an update wraps the text (about a
millisecond) and repaints only this pane, in the same frame as the list's cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.models import ContextPost, ItemState, Reply, ReplyState
from core.store.inbox_sql import InboxRow
from tui.text import ago, highlight_spans, literal, local_time, one_line, safe
from tui.widgets.item_list import is_owed

THREAD_POSTS_SHOWN = 4
THREAD_POST_CHARS = 280
#: The blocks of the preview, top to bottom.
PARTS = ("head", "thread", "body", "tone", "consistency", "replies")
PAD = 1


class PreviewPane(ScrollView, can_focus=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "preview--author",
        "preview--muted",
        "preview--label",
        "preview--tag",
        "preview--conflict",
        "preview--span",
        "preview--positive",
        "preview--owed",
        "preview--failed",
        "preview--mastodon",
        "preview--bluesky",
        "preview--reddit",
        "preview--github",
        "preview--rule",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row: InboxRow | None = None
        self._reasons: list[Any] | None = None
        self._parts: dict[str, Text | None] = dict.fromkeys(PARTS)
        self._lines: list[Strip] = []
        self._wrapped_width = -1
        # The arguments of the last show_* calls, to draw them again in a new theme.
        self._shown: dict[str, tuple[Any, ...]] = {}

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"preview--{name}", partial=True)

    def _set(self, part: str, content: Text | None) -> None:
        self._parts[part] = content if content is not None and content.plain else None

    def text_of(self, part: str) -> str:
        """The plain text of one block (for tests)."""
        content = self._parts.get(part)
        return content.plain if content is not None else ""

    # ---- drawing ------------------------------------------------------------------------------

    def _rewrap(self) -> None:
        """Wrap every block to the pane's width and repaint (no layout unless it got taller)."""
        width = self.scrollable_content_region.width
        if width <= 0:
            self._wrapped_width = -1
            return
        console = self.app.console
        options = console.options.update(width=max(1, width - 2 * PAD), highlight=False)
        base = self.rich_style
        rule = base + self._style("rule")
        lines: list[Strip] = []
        for part in PARTS:
            content = self._parts[part]
            if content is None:
                continue
            if lines:
                lines.append(Strip.blank(width, base))
            inner = options.update_width(max(1, width - 2 * PAD - (2 if part == "thread" else 0)))
            for segments in console.render_lines(content, inner, style=base, pad=False):
                prefix = [Segment(" " * PAD, base)]
                if part == "thread":
                    prefix.append(Segment("▏ ", rule))
                strip = Strip([*prefix, *segments]).adjust_cell_length(width, base)
                lines.append(strip)
        self._lines = lines
        self._wrapped_width = width
        height = max(len(lines), self.scrollable_content_region.height)
        if self.virtual_size.height != height or self.virtual_size.width != width:
            self.virtual_size = Size(width, height)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._wrapped_width:
            self._rewrap()
        index = round(self.scroll_y) + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width, self.rich_style)

    def on_resize(self) -> None:
        self._rewrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A new theme: the blocks hold styles of the old one, so draw them again.
        if self.is_mounted and self._shown:
            self.call_later(self._redraw)

    def _redraw(self) -> None:
        shown = dict(self._shown)
        if "item" in shown:
            self.show_item(*shown["item"])
        for name in ("thread", "consistency", "replies"):
            if name in shown:
                getattr(self, f"show_{name}")(*shown[name])

    # ---- the item itself (synchronous: shown on the same key press) ---------------------------

    def show_item(self, row: InboxRow | None, now: datetime, target: timedelta) -> None:
        self._shown = {"item": (row, now, target)}
        self._show_item(row, now, target)
        self._rewrap()

    def _show_item(self, row: InboxRow | None, now: datetime, target: timedelta) -> None:
        same_item = row is not None and self.row is not None and row.item.id == self.row.item.id
        self.row = row
        if not same_item:
            self._reasons = None
            self.set_scroll(None, 0)
        if row is None:
            self._set("head", Text("No item selected.", style=self._style("muted")))
            for part in ("thread", "body", "tone", "consistency", "replies"):
                self._set(part, None)
            return
        item = row.item
        head = Text(end="")
        head.append(one_line(item.author.display_name or item.author.handle), self._style("author"))
        if item.author.display_name and item.author.handle:
            head.append("  ")
            head.append(one_line(item.author.handle), self._style("muted"))
        head.append("\n")
        head.append(item.platform, self._style(item.platform) if item.platform else Style())
        head.append(" · ", self._style("muted"))
        head.append(one_line(item.account))
        head.append(" · ", self._style("muted"))
        head.append(item.kind.value)
        head.append(" · ", self._style("muted"))
        head.append(f"{local_time(item.created_at, now)} ({ago(item.created_at, now)})")
        status = self._status(row, now, target)
        if status.plain:
            head.append("\n")
            head.append_text(status)
        self._set("head", head)
        if not same_item:
            self._set("thread", None)
            self._set("consistency", Text("…", style=self._style("muted")))
            self._set("replies", None)
        self._render_body_and_tone()

    def _status(self, row: InboxRow, now: datetime, target: timedelta) -> Text:
        item = row.item
        status = Text(end="")
        for tag in item.tags:
            status.append(f"#{one_line(tag)} ", self._style("tag"))
        if is_owed(row, now, target):
            status.append("owed a reply ", self._style("owed"))
        if item.state is ItemState.SNOOZED and item.snoozed_until is not None:
            status.append(
                f"snoozed until {local_time(item.snoozed_until, now)} ", self._style("muted")
            )
        elif item.state is not ItemState.NEW:
            status.append(f"{item.state.value} ", self._style("muted"))
        if item.is_question:
            status.append("question ", self._style("muted"))
        if row.deleted:
            status.append("deleted on the platform ", self._style("failed"))
        return status

    def _render_body_and_tone(self) -> None:
        if self.row is None:
            return
        item = self.row.item
        spans = [span for reason in self._reasons or [] for span in reason.spans]
        body = (
            highlight_spans(item.text, spans, self._style("span")) if spans else literal(item.text)
        )
        self._set("body", body)
        tone = item.tone
        line = Text(end="")
        line.append("Tone  ", self._style("label"))
        if tone.polarity <= -0.1:
            line.append(f"negative ({tone.polarity:+.2f})", self._style("conflict"))
        elif tone.polarity >= 0.1:
            line.append(f"positive ({tone.polarity:+.2f})", self._style("positive"))
        else:
            line.append(f"neutral ({tone.polarity:+.2f})", self._style("muted"))
        if tone.conflict:
            line.append(" · likely conflict", self._style("conflict"))
        elif tone.risk:
            line.append(f" · risk {tone.risk:.2f}", self._style("muted"))
        if self._reasons:
            for reason in self._reasons:
                line.append("\n  ! ", self._style("conflict"))
                line.append(safe(reason.label))
                phrases = [one_line(item.text[s:e]) for s, e in reason.spans[:3]]
                phrases = [p for p in phrases if p and p not in reason.label]
                if phrases:
                    line.append(": ", self._style("muted"))
                    line.append(", ".join(f"“{p}”" for p in phrases), self._style("span"))
        else:
            for label in tone.reasons:
                line.append("\n  ! ", self._style("conflict"))
                line.append(safe(label))
        self._set("tone", line)

    # ---- what arrives later (workers) --------------------------------------------------------

    def show_reasons(self, item_id: int, reasons: Sequence[Any]) -> None:
        """The analyser's reasons with their spans, to highlight the words that fired."""
        if self.row is None or self.row.item.id != item_id:
            return
        # A correction's note shows even when it lowered the risk: it says why the verdict is.
        self._reasons = [
            r
            for r in reasons
            if getattr(r, "weight", 0) > 0 or getattr(r, "rule", "") == "correction"
        ]
        self._render_body_and_tone()
        self._rewrap()

    def show_thread(
        self, item_id: int, posts: Sequence[ContextPost] | None, note: str, now: datetime
    ) -> None:
        if self.row is None or self.row.item.id != item_id:
            return
        self._shown["thread"] = (item_id, posts, note, now)
        text = Text(end="")
        if note:
            text.append(note, self._style("muted"))
        shown = list(posts or [])[-THREAD_POSTS_SHOWN:]
        if posts and len(posts) > len(shown):
            text.append(f"… {len(posts) - len(shown)} earlier posts\n", self._style("muted"))
        for post in shown:
            who = "you" if post.is_own else one_line(post.author.label) or "?"
            text.append(f"{who}", self._style("author"))
            text.append(f"  {ago(post.created_at, now)}\n", self._style("muted"))
            body = safe(post.text).strip()
            if len(body) > THREAD_POST_CHARS:
                body = body[: THREAD_POST_CHARS - 1] + "…"
            text.append(body + "\n", self._style("muted"))
        if shown:
            text.append("↓ this message", self._style("label"))
        self._set("thread", text if text.plain else None)
        self._rewrap()

    def show_consistency(self, item_id: int, sentence: str, flags: Sequence[str]) -> None:
        if self.row is None or self.row.item.id != item_id:
            return
        self._shown["consistency"] = (item_id, sentence, flags)
        if not sentence:
            self._set("consistency", None)
            self._rewrap()
            return
        text = Text(end="")
        text.append("Them  ", self._style("label"))
        text.append(safe(sentence))
        for flag in flags:
            text.append("\n  ! ", self._style("owed"))
            text.append(safe(flag), self._style("owed"))
        self._set("consistency", text)
        self._rewrap()

    def show_replies(self, item_id: int, replies: Sequence[Reply], now: datetime) -> None:
        if self.row is None or self.row.item.id != item_id:
            return
        self._shown["replies"] = (item_id, replies, now)
        text = Text(end="")
        for reply in replies:
            if text.plain:
                text.append("\n")
            text.append("Reply ", self._style("label"))
            when = reply.updated_at or reply.created_at
            since = f" {ago(when, now)}" if when else ""
            if reply.state is ReplyState.DRAFT:
                text.append(f"draft saved{since} (r to continue)", self._style("muted"))
            elif reply.state is ReplyState.QUEUED:
                text.append(f"queued{since}: the next sync sends it", self._style("owed"))
            elif reply.state is ReplyState.SENDING:
                text.append("sending…", self._style("owed"))
            elif reply.state is ReplyState.SENT:
                sent = reply.sent_at or when
                text.append(f"sent {ago(sent, now)}" if sent else "sent", self._style("positive"))
            else:
                text.append("failed: ", self._style("failed"))
                text.append(safe(reply.error) or "unknown error")
                text.append("  (R to retry, r to edit)", self._style("muted"))
            if reply.forced:
                # Confirmed past the conflict gate; "sent" only once it has gone out.
                done = {ReplyState.SENT: "sent", ReplyState.FAILED: "confirmed"}.get(
                    reply.state, "queued"
                )
                text.append(f"  {done} despite a conflict flag", self._style("conflict"))
            if reply.state is not ReplyState.DRAFT:
                text.append("\n  ")
                text.append(one_line(reply.text)[:200], self._style("muted"))
        self._set("replies", text if text.plain else None)
        self._rewrap()

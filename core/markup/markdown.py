"""Markdown (Reddit, GitHub) to plain text for the inbox, the tone check and search.

A real CommonMark parser (markdown-it-py, with GFM tables and strikethrough) reads the structure;
this module only decides how each construct reads as plain text in a terminal:

- paragraphs are separated by one blank line; lists become "- " bullets (or "1. " numbers),
  nested items indented; quotes are prefixed "> "; headings become plain lines;
- code (inline, fenced, indented) is kept verbatim, entities inside it are not decoded;
- links read `text (url)`, or just the url when the text is the url (autolinks);
- images read as their alt text followed by the url;
- raw HTML keeps its text (an HTML comment or a lone tag disappears; `<br>` breaks the line);
- entities (`&amp;`, `&gt;`, `&copy;` ...) are decoded exactly once, as CommonMark says.

Text with no Markdown special characters skips the parser (most short replies), and every result
goes through `clean_text`, so control characters and bidi overrides never reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from selectolax.lexbor import LexborHTMLParser

from core.markup.clean import clean_text

# Characters that can start Markdown syntax anywhere in a line (`&` for entities, `\` escapes).
# `_` is handled apart: inside a word (`u/some_name`) it can never open or close emphasis.
_SPECIAL = frozenset("\\`*[]<&~")
# Characters that make a line Markdown when they open it: bullets, ordered lists, quotes,
# headings, setext underlines, table rows, indented code.
_LINE_STARTERS = frozenset("-+*>#=|: \t0123456789")
# What the fast path cannot copy: NUL (the parser makes it U+FFFD), and, between lines, any
# white space but a space (the parser trims only spaces where a line ends and only spaces and
# tabs where one starts, and takes a line of other white space, U+00A0 say, for text).
_NUL = "\x00"
_ODD_SPACE = re.compile(r"[^\S \n]")


@cache
def _parser() -> MarkdownIt:
    # Built once: constructing the rule chains costs more than parsing a comment.
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Two passes only merge neighbouring text tokens (and turn escapes and entities, the
    # "text_special" tokens, into text). The renderer reads both kinds alike and joins all
    # text anyway, so they would change nothing here but cost a tenth of the parse.
    return parser.disable(["text_join", "fragments_join"])


def markdown_to_text(md: str, *, soft_break: str = "\n") -> str:
    """Plain, terminal-safe text for a Markdown body.

    `soft_break` is what a single newline inside a paragraph becomes: GitHub shows it as a line
    break in comments, Reddit (like CommonMark) as a space."""
    if not md:
        return ""
    source = md.replace("\r\n", "\n").replace("\r", "\n")
    if _is_plain(source, soft_break):
        return clean_text(_plain_paragraphs(source, soft_break))
    tokens = _parser().parse(source)
    blocks = _Renderer(tokens, soft_break).blocks(None)
    return clean_text("\n\n".join(block for block in blocks if block).strip())


def _is_plain(text: str, soft_break: str) -> bool:
    """True when no Markdown construct can be present, so the parser would change nothing but
    whitespace (a test holds this against the parser)."""
    if not _SPECIAL.isdisjoint(text) or not _underscores_inert(text):
        return False
    if text[:1] in _LINE_STARTERS or _NUL in text:
        return False
    if "\n" in text:
        if _ODD_SPACE.search(text) is not None:
            return False
        if soft_break != "\n" and "  \n" in text:
            return False  # a hard line break, which only the parser tells from a soft one
        return all(line[:1] not in _LINE_STARTERS for line in text.split("\n"))
    return True


def _underscores_inert(text: str) -> bool:
    """Whether every `_` sits between two letters or digits, where CommonMark's flanking rules
    never let it open or close emphasis."""
    index = text.find("_")
    while index != -1:
        if index == 0 or index + 1 >= len(text):
            return False
        if not (text[index - 1].isalnum() and text[index + 1].isalnum()):
            return False
        index = text.find("_", index + 1)
    return True


def _plain_paragraphs(text: str, soft_break: str) -> str:
    """What the parser makes of plain text: paragraphs split at blank lines, lines trimmed."""
    if "\n" not in text:
        return text.strip()
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lines.append(stripped)
        elif lines:
            paragraphs.append(soft_break.join(lines))
            lines = []
    if lines:
        paragraphs.append(soft_break.join(lines))
    return "\n\n".join(paragraphs)


class _Renderer:
    """Walks markdown-it's flat token stream once, turning each block into a string."""

    __slots__ = ("i", "soft_break", "tokens")

    def __init__(self, tokens: Sequence[Token], soft_break: str) -> None:
        self.tokens = tokens
        self.soft_break = soft_break
        self.i = 0

    def blocks(self, stop: str | None) -> list[str]:
        """Render blocks until the token `stop` (consumed) or the end of the stream."""
        out: list[str] = []
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            kind = token.type
            self.i += 1
            if kind == stop:
                break
            if kind == "inline":
                out.append(self.inline(token))
            elif kind in ("fence", "code_block"):
                out.append(token.content.rstrip("\n"))
            elif kind == "blockquote_open":
                out.append(_prefix_lines("\n\n".join(self.blocks("blockquote_close")), "> "))
            elif kind in ("bullet_list_open", "ordered_list_open"):
                out.append(self.list(token))
            elif kind == "table_open":
                out.append(self.table())
            elif kind == "html_block":
                out.append(_html_text(token.content))
            elif kind == "hr":
                out.append("---")
            # paragraph/heading open and close tokens carry nothing once their inline is read.
        return [block for block in out if block]

    def list(self, opener: Token) -> str:
        ordered = opener.type == "ordered_list_open"
        number = int(opener.attrs.get("start", 1) or 1) if ordered else 0
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[str] = []
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            self.i += 1
            if token.type == close:
                break
            if token.type != "list_item_open":
                continue
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = "\n".join(self.blocks("list_item_close"))
            items.append(_hang(body, marker))
        return "\n".join(items)

    def table(self) -> str:
        rows: list[str] = []
        cells: list[str] = []
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            self.i += 1
            if token.type == "table_close":
                break
            if token.type == "inline":
                cells.append(self.inline(token))
            elif token.type == "tr_close":
                rows.append(" | ".join(cells))
                cells = []
        return "\n".join(rows)

    def inline(self, token: Token) -> str:
        parts: list[str] = []
        # (href, index in parts where the link text starts) for each open link.
        links: list[tuple[str, int]] = []
        for child in token.children or ():
            kind = child.type
            if kind in ("text", "text_special", "code_inline"):
                parts.append(child.content)
            elif kind == "softbreak":
                parts.append(self.soft_break)
            elif kind == "hardbreak":
                parts.append("\n")
            elif kind == "link_open":
                links.append((str(child.attrs.get("href", "")), len(parts)))
            elif kind == "link_close" and links:
                href, start = links.pop()
                text = "".join(parts[start:])
                del parts[start:]
                parts.append(_link_text(text, href))
            elif kind == "image":
                parts.append(_image_text(child))
            elif kind == "html_inline":
                parts.append(_inline_html(child.content))
        return "".join(parts).strip()


def _link_text(text: str, href: str) -> str:
    if not href:
        return text
    shown = text.strip()
    if not shown:
        return href
    if shown == href or href == "mailto:" + shown or _shows_href(shown, href):
        return shown
    return f"{shown} ({href})"


def _shows_href(shown: str, href: str) -> bool:
    """Whether `shown` is how markdown-it displays `href` (an autolink's text).

    That display form is the link with its `%` escapes and `xn--` host names decoded: only
    those can bring a space into it. So words with a space between them never match a link
    with neither (nor a space), and the usual `[the docs](https://...)` is settled without
    working the display form out."""
    if " " in shown and " " not in href and "%" not in href and "xn--" not in href.lower():
        return False
    return shown == _parser().normalizeLinkText(href)


def _image_text(token: Token) -> str:
    alt = token.content.strip()
    src = str(token.attrs.get("src", ""))
    if alt and src:
        return f"{alt} ({src})"
    return alt or src


def _inline_html(tag: str) -> str:
    """An inline HTML tag alone (its text is separate tokens): `<br>` breaks, others vanish."""
    return "\n" if tag[:3].lower() == "<br" else ""


def _html_text(html: str) -> str:
    """The readable text of a raw HTML block (`<details><summary>...`), comments dropped."""
    if _is_one_comment(html.strip()):
        return ""  # e.g. an issue template's `<!-- ... -->`: no need for a whole HTML document
    body = LexborHTMLParser(html).body
    if body is None:
        return ""
    lines = (line.strip() for line in body.text(separator="").split("\n"))
    return "\n".join(line for line in lines if line)


def _is_one_comment(html: str) -> bool:
    """Whether `html` is a single HTML comment and nothing else: it opens a comment, and the
    first `-->` closes it at the very end. (HTML also ends a comment at `--!>`, and already at
    `<!-->` or `<!--->`: searching from the third character finds those as the first close.)"""
    return html.startswith("<!--") and html.find("-->", 2) == len(html) - 3 and "--!>" not in html


def _prefix_lines(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


def _hang(text: str, marker: str) -> str:
    """`marker` before the first line, the following lines indented to align under it."""
    indent = " " * len(marker)
    lines = text.split("\n")
    rest = (indent + line if line else "" for line in lines[1:])
    return "\n".join([marker + lines[0], *rest])

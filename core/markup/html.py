"""HTML to plain text, for Mastodon statuses and profile fields (and any other HTML a platform
sends).

The rules follow what a reader of the web page sees, with links spelled out in full:
- `<p>` (and other blocks) are separated by a blank line, `<br>` is a newline;
- a mention (`<a class="u-url mention">@<span>user</span></a>`) reads `@user`, a hashtag `#tag`;
- a link shows its full target: Mastodon shortens the visible text with
  `<span class="invisible">` parts, so the href is the truth; a link whose text is not a URL
  (e.g. "my blog") reads `my blog (https://...)`;
- whitespace collapses as a browser collapses it (except in `<pre>`);
- the result is passed through `clean_text`: no control or bidi override characters.

Parsing uses lexbor (selectolax). Creating a lexbor document costs ~25 µs, more than parsing a
whole status, so each thread keeps one document and parses every snippet as a fragment into the
same container (`inner_html`), which is what a browser does for `innerHTML`: each snippet is parsed
on its own, so unclosed tags in one never leak into the next.
"""

from __future__ import annotations

import re
import threading

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.markup.clean import clean_text

_BLOCKS = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
)
_LINE_BLOCKS = frozenset({"li", "tr", "dt", "dd"})
_SKIP = frozenset({"script", "style", "template", "head", "title", "noscript"})
_PARAGRAPH = "\n\n"
_SPACE_RUN = re.compile(r"[ \t\r\n\f]+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_URL_LIKE = ("http://", "https://", "www.")
# Recreate the scratch document now and then, so lexbor's memory pools cannot grow without bound.
_REUSES = 5000


class _Scratch(threading.local):
    """One lexbor document per thread (a parser is not thread-safe)."""

    def __init__(self) -> None:
        self.document: LexborHTMLParser | None = None
        self.box: LexborNode | None = None
        self.uses = 0

    def container(self) -> LexborNode:
        if self.box is None or self.uses >= _REUSES:
            document = LexborHTMLParser("<div></div>")
            assert document.body is not None
            box = document.body.child
            assert box is not None
            # Keep the document alive as long as the node we parse into.
            self.document = document
            self.box = box
            self.uses = 0
        self.uses += 1
        return self.box


_scratch = _Scratch()


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML snippet (see the module docstring for the rules)."""
    if "<" not in html and "&" not in html:
        return clean_text(html).strip()
    box = _scratch.container()
    box.inner_html = html
    out: list[str] = []
    _emit(box, out, preformatted=False)
    return _tidy("".join(out))


def _emit(node: LexborNode, out: list[str], *, preformatted: bool) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            text = child.text_content or ""
            out.append(text if preformatted else _collapse(text))
        elif tag == "br":
            out.append("\n")
        elif tag == "a":
            out.append(_anchor_text(child))
        elif tag in _BLOCKS:
            out.append(_PARAGRAPH)
            _emit(child, out, preformatted=preformatted or tag == "pre")
            out.append(_PARAGRAPH)
        elif tag in _LINE_BLOCKS:
            # Each item on its own line; the list (a block) ends with a blank line.
            out.append("\n- " if tag == "li" else "\n")
            _emit(child, out, preformatted=preformatted)
        elif tag in _SKIP or tag == "-comment":
            continue
        else:
            _emit(child, out, preformatted=preformatted)


def _anchor_text(anchor: LexborNode) -> str:
    """A link as text: mentions and hashtags as shown, other links as their full target."""
    shown = _collapse(anchor.text()).strip()
    attributes = anchor.attributes
    href = (attributes.get("href") or "").strip()
    if not href:
        return shown
    classes = (attributes.get("class") or "").split()
    if "mention" in classes or "hashtag" in classes or shown.startswith(("@", "#")):
        return shown
    if not shown or _shows_url(shown, href):
        return href
    return f"{shown} ({href})"


def _shows_url(shown: str, href: str) -> bool:
    """Is the link text the URL itself (possibly shortened), rather than words?"""
    if shown.startswith(_URL_LIKE):
        return True
    bare = shown.rstrip("…").removesuffix("...")
    return bool(bare) and bare in href


def _collapse(text: str) -> str:
    """Whitespace runs as one space, as a browser shows them (the regex only when needed)."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return _SPACE_RUN.sub(" ", text)
    return text


def _tidy(text: str) -> str:
    # Each regex only where it can match: a plain substring test is several times cheaper
    # than a scan for a pattern that starts with a character class.
    if " \n" in text or "\t\n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    # With no space or tab left before a newline, blank lines in a row are 3+ newlines.
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return clean_text(text).strip()


def html_links(html: str) -> list[str]:
    """The targets of the links in an HTML snippet, mentions and hashtags left out (e.g. the
    website in a Mastodon profile field)."""
    if "<a" not in html and "<A" not in html:
        return []
    box = _scratch.container()
    box.inner_html = html
    links: list[str] = []
    for anchor in box.css("a[href]"):
        classes = (anchor.attributes.get("class") or "").split()
        if "mention" in classes or "hashtag" in classes:
            continue
        href = clean_text(anchor.attributes.get("href") or "").strip()
        if href and href not in links:
            links.append(href)
    return links

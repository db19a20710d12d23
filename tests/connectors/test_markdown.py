"""Markdown bodies (Reddit, GitHub) as plain terminal text."""

from __future__ import annotations

import pytest

from core.markup import markdown as md_module
from core.markup.markdown import markdown_to_text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hello world", "Hello world"),
        ("one\ntwo\n\n\n\nthree  ", "one\ntwo\n\nthree"),
        (
            "# Title\n\nSome *em*, **strong** and ~~old~~ text",
            "Title\n\nSome em, strong and old text",
        ),
        ("Setext\n======\n\nbody", "Setext\n\nbody"),
        ("- a\n- b\n  - nested\n\n1. x\n2. y", "- a\n- b\n  - nested\n\n1. x\n2. y"),
        ("* star\n+ plus", "- star\n\n- plus"),
        ("3. three\n4. four", "3. three\n4. four"),
        ("- first line\n  continued", "- first line\n  continued"),
        ("> quoted\n> more\n\nafter", "> quoted\n> more\n\nafter"),
        ("> outer\n>\n> > inner", "> outer\n>\n> > inner"),
        ("see [the docs](https://x.org/docs) now", "see the docs (https://x.org/docs) now"),
        ("<https://a.b/c>", "https://a.b/c"),
        ("[https://c.d](https://c.d)", "https://c.d"),
        ("<me@example.org>", "me@example.org"),
        ("![a cat](https://i.org/cat.png)", "a cat (https://i.org/cat.png)"),
        ("![](https://i.org/x.png)", "https://i.org/x.png"),
        ("[![build](https://ci/b.svg)](https://ci)", "build (https://ci/b.svg) (https://ci)"),
        ("use `a *b* &amp; c` here", "use a *b* &amp; c here"),
        ("```py\nif x:\n    y = 1  \n```", "if x:\n    y = 1"),
        ("text\n\n    indented code\n      more", "text\n\nindented code\n  more"),
        ("&amp;gt; &copy; &lt;b&gt;", "&gt; © <b>"),
        ("a | b\n--|--\n1 | 2", "a | b\n1 | 2"),
        ("<!-- template: describe the bug -->\nIt crashes", "It crashes"),
        ("<details>\n<summary>Logs</summary>\n\nbody\n</details>", "Logs\n\nbody"),
        ("x<br>y <kbd>Ctrl</kbd>", "x\ny Ctrl"),
        ("before\n\n---\n\nafter", "before\n\n---\n\nafter"),
        ("\\*not emphasis\\*", "*not emphasis*"),
        ("", ""),
    ],
)
def test_markdown_reads_as_plain_text(source: str, expected: str) -> None:
    assert markdown_to_text(source) == expected


def test_soft_breaks_follow_the_platform() -> None:
    assert markdown_to_text("one\ntwo *x*") == "one\ntwo x"
    assert markdown_to_text("one\ntwo *x*", soft_break=" ") == "one two x"
    # A hard break (two trailing spaces) stays a line break either way.
    assert markdown_to_text("one  \ntwo", soft_break=" ") == "one\ntwo"


def test_windows_line_ends_are_plain_newlines() -> None:
    assert markdown_to_text("fix worked :+1:\r\n\r\nthanks") == "fix worked :+1:\n\nthanks"


@pytest.mark.parametrize(
    "source",
    [
        "esc\x1b[31mred\u202e reversed",  # parser path
        "plain\x07bell\u2066isolate",  # fast path
    ],
)
def test_control_and_bidi_characters_never_come_out(source: str) -> None:
    text = markdown_to_text(source)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\u202e" not in text
    assert "\u2066" not in text


PLAIN = [
    "Thanks, that fixed it for me.",
    "Could you share the config you used? I can't reproduce it: v2.1.1 (64-bit).",
    "first line\nsecond line\n\n\nnew paragraph   \n",
    "I think u/some_user_name knows, ask snake_case_fan.",
    "Ünïcödé wörks tôo, 你好, émoji 🎉 + plus and a-dash",
    "ratio 3/4 = fine! 100% (mostly)",
]


@pytest.mark.parametrize("source", PLAIN)
@pytest.mark.parametrize("soft_break", ["\n", " "])
def test_fast_path_gives_what_the_parser_gives(
    source: str, soft_break: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = markdown_to_text(source, soft_break=soft_break)
    monkeypatch.setattr(md_module, "_is_plain", lambda text, soft: False)
    assert markdown_to_text(source, soft_break=soft_break) == fast


@pytest.mark.parametrize("source", PLAIN)
def test_plain_text_skips_the_parser(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parser() -> None:
        raise AssertionError("the parser ran on plain text")

    monkeypatch.setattr(md_module, "_parser", no_parser)
    markdown_to_text(source)


@pytest.mark.parametrize(
    "source",
    [
        "a *b*",
        "_b_ c",
        "x __bold__",
        "- item",
        "# heading",
        "1. one",
        "a\n===",
        "> q",
        "    code",
        "[l](u)",
        "&amp;",
        "`c`",
        "a | b\n|--|--|",
        "a\\*",
        "~~s~~",
        "<b>",
    ],
)
def test_markdown_is_never_taken_for_plain(source: str) -> None:
    assert not md_module._is_plain(source, "\n")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<!--\nmulti-line template\n-->\n\nafter", "after"),
        ("<!--->\n\nafter", "after"),  # an empty comment, closed at once
        # What follows where HTML ends the comment is text (`<!-->`, `--!>`, a first `-->`).
        ("<!-->-->\n\nafter", "-->\n\nafter"),
        ("<!-- a --> b\n\nafter", "b\n\nafter"),
        ("<!-- a --!> b -->\n\nafter", "b -->\n\nafter"),
    ],
)
def test_html_comments_end_where_a_browser_ends_them(source: str, expected: str) -> None:
    assert markdown_to_text(source) == expected


def test_a_lone_html_comment_builds_no_html_document(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_document(html: str) -> None:
        raise AssertionError("an HTML document was built for a comment")

    monkeypatch.setattr(md_module, "LexborHTMLParser", no_document)
    assert markdown_to_text("<!-- template: describe the bug -->\nIt crashes") == "It crashes"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Link text that is the link's target as shown (escapes and host names decoded).
        ("[a b](a%20b)", "a b"),
        ("[a b](<a b>)", "a b"),
        ("[https://x.org/see docs](https://x.org/see%20docs)", "https://x.org/see docs"),
        ("<https://xn--bcher-kva.example/a>", "https://bücher.example/a"),
        (
            "[https://bücher.example/a b](https://xn--bcher-kva.example/a%20b)",
            "https://bücher.example/a b",
        ),
        # Words are words, whatever the target.
        ("[see docs](https://x.org/see%20docs)", "see docs (https://x.org/see%20docs)"),
        ("[the docs](https://x.org/docs)", "the docs (https://x.org/docs)"),
    ],
)
def test_link_text_that_shows_the_target_reads_once(source: str, expected: str) -> None:
    assert markdown_to_text(source) == expected


@pytest.mark.parametrize(
    ("source", "soft_break", "expected"),
    [
        # Where lines meet, the parser trims spaces only: other white space stays text.
        ("a\u00a0\nb", "\n", "a\u00a0\nb"),
        ("a\t\nb", " ", "a\t b"),
        ("a\n\u2003b", "\n", "a\n\u2003b"),
        # A line of such white space is a line of text, not a paragraph break.
        ("a\n\u00a0\nb", "\n", "a\n\u00a0\nb"),
        ("a\n\u3000\nb", " ", "a \u3000 b"),
        # At the ends of a paragraph the parser strips any white space, like the fast path.
        ("\u00a0a b\u00a0", "\n", "a b"),
        # NUL reads as U+FFFD (CommonMark's replacement), not as nothing.
        ("a\x00b", "\n", "a\ufffdb"),
    ],
)
def test_odd_white_space_reads_as_the_parser_reads_it(
    source: str, soft_break: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert markdown_to_text(source, soft_break=soft_break) == expected
    monkeypatch.setattr(md_module, "_is_plain", lambda text, soft: False)
    assert markdown_to_text(source, soft_break=soft_break) == expected

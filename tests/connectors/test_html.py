"""HTML to text (Mastodon content, profile notes and fields) and the terminal-safety filter."""

from __future__ import annotations

import pytest

from core.markup.clean import clean_text
from core.markup.html import html_links, html_to_text

MENTION = (
    '<span class="h-card" translate="no"><a href="https://mastodon.example/@alice" '
    'class="u-url mention">@<span>alice</span></a></span>'
)
LONG_LINK = (
    '<a href="https://www.example.com/long/path/to/an/article?id=7" target="_blank" '
    'rel="nofollow noopener" translate="no"><span class="invisible">https://www.</span>'
    '<span class="ellipsis">example.com/long/path/to/an/a</span>'
    '<span class="invisible">rticle?id=7</span></a>'
)
HASHTAG = (
    '<a href="https://mastodon.example/tags/rust" class="mention hashtag" rel="tag">'
    "#<span>Rust</span></a>"
)


def test_mention_reads_as_at_user() -> None:
    assert html_to_text(f"<p>{MENTION} hello!</p>") == "@alice hello!"


def test_shortened_link_reads_as_its_full_url() -> None:
    text = html_to_text(f"<p>read {LONG_LINK} now</p>")
    assert text == "read https://www.example.com/long/path/to/an/article?id=7 now"


def test_hashtag_reads_as_hash_tag() -> None:
    assert html_to_text(f"<p>I like {HASHTAG}</p>") == "I like #Rust"


def test_paragraphs_are_separated_by_a_blank_line_and_br_is_a_newline() -> None:
    html = "<p>first line<br />second line</p><p>next paragraph</p>"
    assert html_to_text(html) == "first line\nsecond line\n\nnext paragraph"


def test_entities_are_decoded() -> None:
    assert html_to_text("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#128512;</p>") == 'a & b <c> "d" 😀'


def test_a_link_with_words_keeps_the_words_and_shows_the_target() -> None:
    html = '<p>see <a href="https://blog.example/post">my blog</a></p>'
    assert html_to_text(html) == "see my blog (https://blog.example/post)"


def test_whitespace_collapses_like_a_browser_but_not_in_pre() -> None:
    assert html_to_text("<p>a\n   b\t c</p>") == "a b c"
    assert html_to_text("<pre>x = 1\n    y = 2</pre>") == "x = 1\n    y = 2"


def test_lists_put_each_item_on_its_own_line() -> None:
    html = "<p>todo:</p><ul><li>one</li><li>two</li></ul><p>done</p>"
    assert html_to_text(html) == "todo:\n\n- one\n- two\n\ndone"


def test_scripts_styles_and_comments_are_not_text() -> None:
    html = "<p>ok</p><script>alert(1)</script><style>p{}</style><!-- secret -->"
    assert html_to_text(html) == "ok"


def test_unclosed_tags_never_leak_into_the_next_snippet() -> None:
    # A broken snippet parsed before must not make the next one part of its link or bold.
    assert html_to_text('<p>broken <a href="https://evil.example/">link <b>bold') == (
        "broken link bold (https://evil.example/)"
    )
    assert html_to_text("<p>innocent words</p>") == "innocent words"


def test_plain_text_passes_through_cleaned() -> None:
    assert html_to_text("no markup at all") == "no markup at all"
    assert html_to_text("bell\x07 and \x1b[2J clear") == "bell and [2J clear"


def test_control_and_bidi_characters_never_survive_html() -> None:
    # A raw C1 CSI; (the entity &#x9b; is not one: HTML maps it to "›", as browsers do).
    html = "<p>\u202eevil\u202c &#x1b;[31mred \x9b31m\u2066iso\u2069</p>"
    text = html_to_text(html)
    assert text == "evil [31mred 31miso"
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


def test_links_of_a_profile_field_leave_mentions_out() -> None:
    html = (
        '<a href="https://halcy.de/" rel="nofollow noopener me"><span class="invisible">'
        'https://</span><span class="">halcy.de/</span><span class="invisible"></span></a> '
        f"and {MENTION} and {HASHTAG}"
    )
    assert html_links(html) == ["https://halcy.de/"]
    assert html_links("no links here") == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain", "plain"),
        ("keeps\ttabs\nand newlines", "keeps\ttabs\nand newlines"),
        ("windows\r\nline", "windows\nline"),
        ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "]8;;https://evil.exampleclick]8;;"),
        ("c1 \x85next \x9bcsi", "c1 next csi"),
        ("\u202aLRE \u202bRLE \u202cPDF \u202dLRO \u202eRLO", "LRE RLE PDF LRO RLO"),
        ("\u2066LRI \u2067RLI \u2068FSI \u2069PDI", "LRI RLI FSI PDI"),
        ("日本語と🎉は残る", "日本語と🎉は残る"),
    ],
)
def test_clean_text_strips_control_and_bidi_characters(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean

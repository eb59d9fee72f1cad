"""Display safety: hostile feed text must reach the terminal as inert, literal text."""

from __future__ import annotations

from markdown_it import MarkdownIt

from newsreader.core.extract.render import (
    html_to_markdown,
    html_to_text,
    markdown_to_text,
    one_line,
    safe_text,
)


def rendered_html(md: str) -> str:
    html: str = MarkdownIt("commonmark").render(md)
    return html


def test_safe_text_strips_escape_sequences_and_controls() -> None:
    hostile = "a\x1b[31mred\x1b[0m b\x1b]0;title\x07c\x1bP1$r\x1b\\d\x00e\x9bf\x07g\r\nh\ti"
    assert safe_text(hostile) == "ared bcdefg\nh\ti"


def test_safe_text_strips_bidi_overrides_and_isolates() -> None:
    text = "invoice\u202egpj.exe\u2066x\u2069\u200f\ufeff"
    assert safe_text(text) == "invoicegpj.exex"
    assert safe_text("Grüße 👩\u200d💻") == "Grüße 👩\u200d💻"  # ZWJ emoji survive


def test_one_line_collapses_and_truncates() -> None:
    assert one_line("  Stadt\n\n  rat \x1b[1m tagt ") == "Stadt rat tagt"
    long = "Wort " * 100
    cut = one_line(long, limit=50)
    assert len(cut) <= 50
    assert cut.endswith("…")


def test_markup_looking_text_stays_literal() -> None:
    md = html_to_markdown("<p>[@click=app.quit]x[/] and [link](http://evil.example) *b*</p>")
    html = rendered_html(md)
    assert "<a " not in html
    assert "<em>" not in html
    assert markdown_to_text(md) == "[@click=app.quit]x[/] and [link](http://evil.example) *b*"
    assert html_to_text("<p>[@click=app.quit]x[/]</p>") == "[@click=app.quit]x[/]"


def test_links_only_for_http_and_made_absolute() -> None:
    md = html_to_markdown(
        '<p><a href="javascript:alert(1)">click</a> <a href="/a/b.html">rel</a> '
        '<a href="mailto:x@y.de">mail</a> <a href="data:text/html,x">data</a></p>',
        base_url="https://www.example.de/lokales/",
    )
    assert "javascript" not in md
    assert "mailto" not in md
    assert "data:" not in md
    assert "[rel](https://www.example.de/a/b.html)" in md
    html = rendered_html(md)
    assert html.count("<a ") == 1


def test_no_raw_html_scripts_or_iframes() -> None:
    md = html_to_markdown(
        "<div><script>alert(1)</script><style>p{}</style><iframe src='x'></iframe>"
        "<p>Text &lt;b&gt;fett&lt;/b&gt;</p><img src='x.png' alt='Rathaus'><img src='y.png'></div>"
    )
    html = rendered_html(md)
    assert "alert" not in md
    assert "<b>" not in html and "<script" not in html and "<iframe" not in html
    assert "Rathaus" in markdown_to_text(md)
    assert "&lt;b&gt;fett" in html


def test_structure_becomes_markdown() -> None:
    md = html_to_markdown(
        "<h2>Titel</h2><p>Eins <strong>fett</strong> und <em>schräg</em>.</p>"
        "<ul><li>a</li><li>b</li></ul><ol><li>c</li></ol><blockquote><p>Zitat</p></blockquote>"
    )
    assert md.splitlines()[0] == "## Titel"
    assert "**fett**" in md and "*schräg*" in md
    assert "- a\n\n- b" in md and "1. c" in md and "> Zitat" in md


def test_line_start_markers_are_escaped() -> None:
    md = html_to_markdown("<p># not a heading</p><p>- not a list</p><p>1. not ordered</p>")
    html = rendered_html(md)
    assert "<h1>" not in html and "<li>" not in html
    assert markdown_to_text(md).split("\n\n") == [
        "# not a heading",
        "- not a list",
        "1. not ordered",
    ]


def test_max_chars_truncates() -> None:
    md = html_to_markdown(
        "".join(f"<p>Absatz {i} mit etwas Text darin.</p>" for i in range(50)), max_chars=200
    )
    assert len(md) <= 210
    assert md.endswith("…")


def test_broken_and_empty_html() -> None:
    assert html_to_markdown("") == ""
    assert html_to_text("   ") == ""
    assert "kaputt" in html_to_text("<p>kaputt <b>ohne <i>Ende")

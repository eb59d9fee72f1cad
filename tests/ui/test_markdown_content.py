"""The article body's Markdown subset becomes styled plain text; nothing is interpreted."""

from __future__ import annotations

from newsreader.core.extract.render import html_to_markdown
from newsreader.ui.markdown_content import markdown_to_content


def test_core_markdown_becomes_styled_text() -> None:
    markdown = html_to_markdown(
        "<h2>Bauarbeiten</h2><p>Die <b>Hammer Straße</b> wird <i>ab Montag</i> gesperrt, "
        "siehe <a href='http://stadt.example/plan'>Plan [PDF]</a>.</p>"
        "<ul><li>eins</li><li>zwei</li></ul><blockquote>Zitat der Dezernentin</blockquote>"
    )
    content = markdown_to_content(markdown)
    assert content.plain.splitlines() == [
        "Bauarbeiten",
        "",
        "Die Hammer Straße wird ab Montag gesperrt, siehe Plan [PDF].",
        "",
        "• eins",
        "• zwei",
        "",
        "▌ Zitat der Dezernentin",
    ]
    styled = {content.plain[span.start : span.end]: str(span.style) for span in content.spans}
    assert styled["Hammer Straße"] == "bold"
    assert styled["ab Montag"] == "italic"
    assert styled["Plan [PDF]"] == "underline"


def test_markup_and_escapes_stay_literal() -> None:
    hostile = "[@click=app.quit]x[/] [link=file:///etc/passwd]y[/] [bold red]z *a* # b"
    content = markdown_to_content(html_to_markdown(f"<p>{hostile}</p>"))
    assert content.plain == hostile
    assert not content.spans

"""A long article's first frame wraps only its first screens (issue 15: opening a 20 KB article
in under 100 ms); the rest is wrapped right after, and the height becomes exact."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from newsreader.ui.article_body import ArticleBody
from newsreader.ui.markdown_content import markdown_to_content
from tests.ui.conftest import wait_for

ARTICLE = "\n\n".join(
    f"Absatz {n}: " + "Die Stadtverwaltung teilt mit, dass die Arbeiten planmäßig laufen. " * 3
    for n in range(150)
)


class BodyApp(App[None]):
    def __init__(self, content: Content) -> None:
        super().__init__()
        self.body_content = content
        self.first_frame: tuple[bool, int] | None = None  # (wrapped, height) as first painted

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="scroll"):
            yield ArticleBody(id="body")

    def on_mount(self) -> None:
        self.query_one(ArticleBody).update(self.body_content)

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        body = self.query_one(ArticleBody)
        if self.first_frame is None and body.size.height > 1:
            self.first_frame = (body.wrapped, body.size.height)


async def test_first_frame_wraps_the_first_screens_then_the_height_is_exact() -> None:
    content = markdown_to_content(ARTICLE)
    app = BodyApp(content)
    async with app.run_test(size=(72, 30)) as pilot:
        body = app.query_one(ArticleBody)
        await wait_for(pilot, lambda: app.first_frame is not None and body.wrapped)
        assert app.first_frame is not None
        first_wrapped, first_height = app.first_frame
        assert not first_wrapped  # the first frame came before the whole wrap
        exact = content.wrap(body.size.width)
        await wait_for(pilot, lambda: body.size.height == len(exact))
        assert abs(first_height - len(exact)) <= len(exact) // 20  # the estimate was close
        shown = [body.render_line(y).text for y in range(30)]
        assert shown == [line.plain.ljust(body.size.width) for line in exact[:30]]
        assert [line.plain for line in body.lines(body.size.width)] == [s.plain for s in exact]
        app.query_one("#scroll", VerticalScroll).scroll_end(animate=False)
        await pilot.pause()
        last = body.render_line(len(exact) - 1).text
        assert last.rstrip() == exact[-1].plain.rstrip()


async def test_short_text_is_wrapped_at_once() -> None:
    content = markdown_to_content("Kurz: der Rat tagt.\n\nMorgen.")
    app = BodyApp(content)
    async with app.run_test(size=(72, 30)) as pilot:
        body = app.query_one(ArticleBody)
        await wait_for(pilot, lambda: app.first_frame is not None)
        assert app.first_frame == (True, len(content.wrap(body.size.width)))

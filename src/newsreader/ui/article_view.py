"""The article pane's reading area: header, a note line, the Markdown body, "show more".

Bodies are capped at `max_chars` so a 200 KB article never freezes the UI; the rest comes one
cap at a time with "show more". Every string from a feed or page enters as `Content` text or a
`$variable`, and the body only through the core's sanitizing Markdown renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from newsreader.core.article_records import Enclosure, Entry, Page
from newsreader.ui.article_body import ArticleBody
from newsreader.ui.attachments import AttachmentList, PlayEnclosure, playable
from newsreader.ui.keys import BACK_TO_LIST, DETAIL_FOOTER
from newsreader.ui.markdown_content import markdown_to_content
from newsreader.ui.text import html_to_markdown, one_line, safe_text


@dataclass(frozen=True, slots=True)
class Shown:
    """What the pane shows, so the App can tell whether a late result still applies."""

    title: str
    url: str | None
    body: str  # sanitized Markdown
    source: str = ""
    author: str | None = None
    date: str | None = None
    note: str | None = None
    attachments: tuple[Enclosure, ...] = ()  # audio and video, for `e`


def entry_shown(entry: Entry, *, feed_note: str) -> Shown:
    """What the store has for an entry, at once: extracted page text, else the feed's text
    with `feed_note` saying why (loading, offline, failed)."""
    if entry.page_text:
        body = safe_text(entry.page_text)
        note: str | None = None
    else:
        html = entry.content or entry.summary
        body = html_to_markdown(html, base_url=entry.url) if html else ""
        note = feed_note
    if entry.paywalled:
        note = "Paywalled article: showing the free teaser." + (f" {note}" if note else "")
    return Shown(
        title=entry.title,
        url=entry.url,
        body=body,
        source=entry.feed_title,
        author=entry.author,
        date=entry.published.astimezone().strftime("%d.%m.%Y %H:%M"),
        note=note,
        attachments=playable(entry.enclosures),
    )


def page_shown(page: Page, *, fallback_title: str = "", source: str = "") -> Shown:
    """A teaser page; `source` names its site (the header shows the URL once, below)."""
    note = None
    if not page.text:
        note = "No article text could be extracted from this page."
    if page.paywalled:
        note = "Paywalled article: showing the free teaser."
    body = safe_text(page.text or page.description or "")
    return Shown(
        title=page.title or fallback_title or page.url,
        url=page.final_url or page.url,
        body=body,
        source=source,
        author=page.author,
        date=page.published.astimezone().strftime("%d.%m.%Y %H:%M") if page.published else None,
        note=note,
    )


def site_name(url: str, entry: Entry | None) -> str:
    """The site a teaser page is on: the article's feed when it is the same site, else the
    host without its `www.`."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    same_site = entry is not None and entry.url and urlsplit(entry.url).hostname
    if entry is not None and same_site and same_site.removeprefix("www.") == host:
        return entry.feed_title
    return host


class ArticleView(VerticalScroll, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll", show=False, id="article.scroll_down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="article.scroll_up"),
        Binding("space", "page_down", "Page down", show=False, id="article.page_down"),
        Binding("plus", "show_more", "Show more", id="article.show_more"),
        BACK_TO_LIST,
        Binding("e", "play", "Play", id="article.play"),
        *DETAIL_FOOTER,
    ]

    DEFAULT_CSS = """
    ArticleView { padding: 0 1; scrollbar-gutter: stable; }
    ArticleView #article-header { margin-bottom: 1; }
    ArticleView #article-note { color: $warning; margin-bottom: 1; }
    ArticleView #article-body { margin: 0; padding: 0; }
    ArticleView #show-more { margin: 1 0; }
    """

    def __init__(self, *, max_chars: int = 40_000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_chars = max(1000, max_chars)
        self.shown: Shown | None = None
        self._waiting_for_feeds = False
        self.body_source = ""
        self._limit = self.max_chars

    def compose(self) -> ComposeResult:
        yield Static(id="article-header")
        yield AttachmentList(id="article-attachments")
        yield Static(id="article-note")
        yield ArticleBody(id="article-body")
        yield Button("Show more", id="show-more", compact=True)

    def on_mount(self) -> None:
        self.show_placeholder()

    def show_placeholder(self) -> None:
        self.show_message("Nothing selected", "Choose a headline and press enter to read it.")

    def show(self, shown: Shown, *, keep_scroll: bool = False) -> None:
        """`keep_scroll`: the same article again (its page arrived, a refresh changed it),
        where the reader is and as far as "Show more" opened it."""
        self.shown = shown
        self._waiting_for_feeds = False
        if not keep_scroll:
            self._limit = self.max_chars
        self._render_shown(keep_scroll=keep_scroll)

    @property
    def waits_for_feeds(self) -> bool:
        """The welcome or first-sync note is up: the first feeds replace it with the usual
        placeholder rather than leave a welcome beside a full list."""
        return self._waiting_for_feeds

    def show_message(self, title: str, text: str, *, until_feeds: bool = False) -> None:
        """A plain message in place of an article (empty cache, not available offline)."""
        self.shown = None
        self._waiting_for_feeds = until_feeds
        self.query_one("#article-header", Static).update(
            Content.from_markup("[b]$title[/b]", title=one_line(title, 500))
        )
        self.query_one("#article-note", Static).update(Content(safe_text(text)))
        self.query_one("#article-note", Static).display = True
        self._set_body("")
        self.query_one(AttachmentList).show(())
        self.query_one("#show-more", Button).display = False
        self.scroll_home(animate=False)
        self.refresh_bindings()

    def _render_shown(self, *, keep_scroll: bool) -> None:
        shown = self.shown
        if shown is None:
            return
        meta = " · ".join(
            one_line(part, 200) for part in (shown.source, shown.author, shown.date) if part
        )
        header = Content.from_markup(
            "[b]$title[/b]\n[dim]$meta[/dim]\n[dim]$url[/dim]",
            title=one_line(shown.title, 1000) or "(untitled)",
            meta=meta,
            url=one_line(shown.url, 500) if shown.url else "",
        )
        self.query_one("#article-header", Static).update(header)
        self.query_one(AttachmentList).show(shown.attachments)
        self.refresh_bindings()
        note = self.query_one("#article-note", Static)
        note.update(Content(one_line(shown.note, 500)) if shown.note else Content(""))
        note.display = bool(shown.note)
        body = shown.body
        capped = len(body) > self._limit
        if capped:
            cut = body.rfind("\n\n", 0, self._limit)
            body = body[: cut if cut > self._limit // 2 else self._limit]
        self._set_body(body or "*(no text)*")
        more = self.query_one("#show-more", Button)
        more.display = capped
        if capped:
            rest = len(shown.body) - len(body)
            more.label = Content(f"Show more ({rest:,} more characters)")
        if not keep_scroll:
            self.scroll_home(animate=False)
        self.refresh_bindings()

    @property
    def has_more(self) -> bool:
        return self.shown is not None and len(self.shown.body) > self._limit

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer lists `+` only while there is more to show, `e` only while there is
        # something to play.
        if action == "show_more":
            return self.has_more
        if action == "play":
            return self.shown is not None and bool(self.shown.attachments)
        return True

    def action_play(self) -> None:
        if self.shown is not None and self.shown.attachments:
            self.post_message(PlayEnclosure(self.shown.attachments[0].url))

    def action_show_more(self) -> None:
        if self.shown is not None and len(self.shown.body) > self._limit:
            self._limit += self.max_chars
            self._render_shown(keep_scroll=True)

    @on(Button.Pressed, "#show-more")
    def _show_more_pressed(self) -> None:
        self.action_show_more()

    def _set_body(self, markdown: str) -> None:
        """One Static holding one Content: a 20 KB article paints in one widget, with no
        Markdown engine in the way (see markdown_content). Links show as underlined text;
        the teaser list follows them."""
        self.body_source = markdown
        self.query_one("#article-body", ArticleBody).update(markdown_to_content(markdown))

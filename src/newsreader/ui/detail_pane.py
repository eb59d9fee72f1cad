"""The detail pane: the article view, its teaser list, and back/forward history.

What the store has is shown at once; when online the page is then fetched and extracted in the
background loop and swapped in if the user is still looking at it. Teasers open here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from newsreader.core.article_records import Entry, LinkPreview, StoryVersion, Teaser
from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.core.store.watch import matching_word
from newsreader.ui.also_in import AlsoIn
from newsreader.ui.article_view import ArticleView, entry_shown, page_shown, site_name
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.history import History, Location
from newsreader.ui.messages import PAGE, PREVIEWS, JobDone, TeaserOpened
from newsreader.ui.teaser_list import TeaserList
from newsreader.ui.text import is_web_url


@dataclass
class PreviewsArrived(Message):
    entry_id: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PreviewsArrived) and message.entry_id == self.entry_id


class DetailPane(Vertical):
    def __init__(
        self,
        store: Store,
        config: Config,
        net: BackgroundLoop,
        *,
        offline: bool,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.config = config
        self.net = net
        self.offline = offline
        self.history: History[Location] = History(config.reader.history_size)
        self.entry: Entry | None = None  # the article the current location belongs to
        self.page_errors: dict[str, str] = {}
        # Each page is asked for once per session: a page without extractable text must not
        # be refetched every time the article is shown again.
        self.requested: set[str] = set()
        self.in_flight: set[str] = set()
        self.versions: list[StoryVersion] = []  # of the story on screen, best first

    def compose(self) -> ComposeResult:
        yield ArticleView(max_chars=self.config.reader.article_max_chars, id="article")
        also_in = AlsoIn(id="also-in")
        also_in.display = False
        yield also_in
        teasers = TeaserList(id="teasers")
        teasers.display = False
        yield teasers

    @property
    def article(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def teasers(self) -> TeaserList:
        return self.query_one(TeaserList)

    @property
    def current_url(self) -> str | None:
        """What `o` and `y` take: the highlighted teaser while the teaser list has the focus
        (its footer says Enter opens it; `o` opened the page on screen: a helper's tour),
        else the teaser page on screen, else the article."""
        location = self.history.current
        if location is None:
            return None
        teasers = self.teasers
        if teasers.has_focus and teasers.current is not None:
            return teasers.current.url
        if location.url is not None:
            return location.url
        return self.entry.url if self.entry is not None else None

    # --- navigation ---------------------------------------------------------------------------

    def open_entry(self, entry_id: int) -> None:
        """A story's best version first: full text, free, the original (issue 14)."""
        versions = self.store.story_versions(entry_id)
        if versions:
            entry_id = versions[0].id
        self.history.visit(Location(entry_id))
        self._show(Location(entry_id))

    def action_next_version(self) -> None:
        """`v`: the story's next version, in best-first order, round."""
        location = self.history.current
        if location is None or len(self.versions) < 2:
            return
        ids = [v.id for v in self.versions]
        at = ids.index(location.entry_id) if location.entry_id in ids else -1
        target = Location(ids[(at + 1) % len(ids)])
        self.history.visit(target)
        self._show(target)

    def open_teaser(self, teaser: Teaser) -> None:
        location = self.history.current
        if location is None:
            return
        target = Location(location.entry_id, teaser.url)
        self.history.visit(target)
        self._show(target, teaser_title=teaser.title)
        self.post_message(TeaserOpened(teaser.url))

    def can_go(self, delta: int) -> bool:
        """Whether back (-1) or forward (1) leads anywhere: the footer shows them only then."""
        return self.history.can_back if delta < 0 else self.history.can_forward

    def action_back(self) -> None:
        location = self.history.back()
        if location is not None:
            self._show(location)

    def action_forward(self) -> None:
        location = self.history.forward()
        if location is not None:
            self._show(location)

    def action_step(self, delta: int) -> None:
        self.teasers.step(delta)

    def action_jump(self, number: int) -> None:
        self.teasers.jump(number - 1)

    @on(TeaserList.Chosen)
    def _teaser_chosen(self, event: TeaserList.Chosen) -> None:
        event.stop()
        self.open_teaser(event.teaser)

    # --- showing ------------------------------------------------------------------------------

    def _show(self, location: Location, *, teaser_title: str = "") -> None:
        """Show a place the user went to: a page that failed before is asked for again (the
        network may be back: it stayed failed until a restart, a helper's tour)."""
        self.refresh_bindings()  # back and forward may have become possible, or not
        entry = self.store.entry(location.entry_id)
        failed = location.url or (entry.url if entry is not None else None)
        if failed is not None and self.page_errors.pop(failed, None) is not None:
            self.requested.discard(failed)
        self.entry = entry
        if entry is None:
            self.article.show_message("Gone", "This article is no longer in the cache.")
            self.teasers.set_teasers(())
            return
        if location.url is not None:
            # A teaser's page is not a version of the article it hangs off: no "Also in"
            # line, no `v` (they named and swapped in the article's versions; a helper's tour).
            self.versions = []
            self.query_one(AlsoIn).show_versions((), entry.id)
            self._show_teaser_page(location.url, teaser_title)
            return
        self.versions = self.store.story_versions(entry.id)
        watched = matching_word(
            " ".join((entry.title, entry.page_text or "", entry.summary, entry.content)),
            self.config.watch.words,
        )
        self.query_one(AlsoIn).show_versions(self.versions, entry.id, watched)
        self._show_entry(entry)

    def _show_entry(self, entry: Entry, *, keep_scroll: bool = False) -> None:
        url = entry.url or ""
        fetch = not self.offline and is_web_url(url) and not entry.page_text
        if not is_web_url(url):
            note = "Feed text only: this entry has no web page."
        elif self.offline:
            note = "Feed text only: the full article is not cached (offline)."
        elif url in self.page_errors:
            note = f"Feed text only: could not load the full article: {self.page_errors[url]}"
        elif url in self.requested and url not in self.in_flight:
            note = "Feed text only: no article text could be extracted from the page."
        else:
            note = "Feed text; loading the full article…"
        self.article.show(entry_shown(entry, feed_note=note), keep_scroll=keep_scroll)
        self.teasers.set_teasers(entry.teasers, keep_highlight=keep_scroll)
        if fetch:
            self._load_page(url)
        if not self.offline:
            self._load_previews(entry)

    def _show_teaser_page(self, url: str, title: str) -> None:
        page = self.store.page(url)
        if page is not None and (page.text or page.description):
            source = site_name(page.final_url or url, self.entry)
            self.article.show(page_shown(page, fallback_title=title, source=source))
            self.teasers.set_teasers(page.teasers)
            return
        if page is not None:  # cached, with nothing to read: it said "Loading" for ever
            self.article.show_message(
                page.title or title or url,
                "No article text could be extracted from this page; o opens it in the browser.",
            )
            self.teasers.set_teasers(page.teasers)
            return
        self.teasers.set_teasers(())
        if not is_web_url(url):
            self.article.show_message(title or url, f"Not a web link, not opened: {url}")
        elif self.offline:
            # A page tried and failed was "never fetched" too (a helper's tour).
            _, failed = self.store.prefetch_state(url)
            why = "could not be fetched when it was tried" if failed else "was never fetched"
            self.article.show_message(title or url, f"Not available offline: this page {why}.")
        elif url in self.page_errors:
            self.article.show_message(title or url, f"Could not load: {self.page_errors[url]}")
        else:
            self.article.show_message(title or url, f"Loading {url} …")
            self._load_page(url)

    # --- background: submitted here, reported back through the App -------------------------

    def _load_page(self, url: str) -> None:
        if url in self.requested:
            return
        self.requested.add(url)
        self.in_flight.add(url)
        from newsreader.core.refresh.on_demand import load_page  # the network stack: lazily

        store, config = self.store, self.config
        # A new page load supersedes the one for the article the user has moved away from.
        self.net.submit(
            lambda: load_page(store, url, config=config), group=PAGE, exclusive=True, key=url
        )

    def _load_previews(self, entry: Entry) -> None:
        urls = [t.url for t in entry.teasers if not t.description and is_web_url(t.url)]
        if not urls or entry.id in self.net.running(PREVIEWS):
            return
        from newsreader.core.refresh.on_demand import load_previews  # start-up speed: lazily

        entry_id = entry.id
        store, config = self.store, self.config

        def arrived(preview: LinkPreview) -> None:
            self.post_message(PreviewsArrived(entry_id))

        self.net.submit(
            lambda: load_previews(store, urls, config=config, on_preview=arrived),
            group=PREVIEWS,
            exclusive=True,
            key=entry_id,
        )

    def job_done(self, job: JobDone) -> bool:
        """A page load or previews job of this pane finished; True if its error is shown here
        (a page that could not be loaded says so in place of the article)."""
        if job.group == PAGE and isinstance(job.key, str):
            self.page_done(job.key, error=job.error_text, cancelled=job.cancelled)
            return True
        if job.group == PREVIEWS and isinstance(job.key, int) and job.result:
            self.previews_done(job.key)
        return False

    def page_done(self, url: str, *, error: str | None, cancelled: bool) -> None:
        """A page load finished, failed or was superseded; show it if it is still on screen."""
        self.in_flight.discard(url)
        if cancelled:
            self.requested.discard(url)  # asked for again if the user comes back to it
        elif error is not None:
            self.page_errors[url] = error
        location = self.history.current
        if location is None:
            return
        if location.url == url:
            self._show_teaser_page(url, "")
        elif location.url is None and self.entry is not None and self.entry.url == url:
            entry = self.store.entry(self.entry.id)
            if entry is not None:
                self.entry = entry
                self._show_entry(entry, keep_scroll=True)

    def store_changed(self) -> None:
        """The cache changed under the pane (a refresh): the article on screen is shown
        again if what it shows did. The list showed a changed title while the pane kept the
        old text until the article was opened again (a helper's tour)."""
        location = self.history.current
        if location is None or location.url is not None or self.entry is None:
            return
        entry = self.store.entry(self.entry.id)
        if entry is None or _shown_part(entry) == _shown_part(self.entry):
            return
        self.entry = entry
        self._show_entry(entry, keep_scroll=True)

    @on(PreviewsArrived)
    def _previews_arrived(self, message: PreviewsArrived) -> None:
        message.stop()
        self.previews_done(message.entry_id)

    def previews_done(self, entry_id: int) -> None:
        location = self.history.current
        if location is not None and location.url is None and location.entry_id == entry_id:
            self.teasers.set_teasers(self.store.entry_teasers(entry_id), keep_highlight=True)


def _shown_part(entry: Entry) -> tuple[object, ...]:
    """What the article shows of an entry: not its read and star marks (the list's), nor
    its teasers, whose previews come in on their own (`previews_done`)."""
    return (
        entry.title,
        entry.author,
        entry.summary,
        entry.content,
        entry.page_text,
        entry.paywalled,
        entry.enclosures,
    )

"""The subcommands. Each returns an exit code; expected failures raise NewsreaderError."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from newsreader import exit_codes
from newsreader.core.config import Config, SavedSearch, default_data_dir
from newsreader.core.config_file import load_config
from newsreader.core.errors import FeedChoiceError, FetchError, NewsreaderError, StoreError
from newsreader.core.extract.render import one_line as line
from newsreader.core.models import EntryFilter, Feed
from newsreader.core.store.db import make_data_dir, unwritable_reason
from newsreader.core.store.saved_searches import search_filter
from newsreader.core.store.store import DB_NAME, Store
from newsreader.core.store.textfold import fold
from newsreader.output import (
    Progress,
    article_json,
    counted,
    entry_summary_json,
    feed_json,
    print_article,
    print_headlines,
    print_json,
    print_offers,
    report_json,
)
from newsreader.sync_commands import cmd_mark, cmd_sync, sync_before_refresh, sync_json


def dispatch(args: argparse.Namespace) -> int:
    config = load_config(args.config, explicit=args.config is not None)
    if args.command is None:
        config = _reader_config(config)  # the reader says the warnings in a notification
    else:
        for warning in config.warnings:
            print(f"newsreader: warning: {line(warning, 500)}", file=sys.stderr)
    if args.demo:
        return run_demo(config)
    data_dir: Path = args.data_dir or default_data_dir()
    store = open_store(args, data_dir)
    try:
        if not config.cluster.enabled and not store.read_only:
            # Turned off since the last refresh (which clears them too): every version is
            # listed and read on its own at once. They still showed ×2, and Enter on one
            # opened the other.
            store.clear_clusters()
        command = args.command
        if command is None:
            # Start-up speed: Textual loads only when the reader opens, never for a command.
            from newsreader.ui.app import run_reader

            return run_reader(store, config, offline=args.offline)
        handler = _COMMANDS[command]
        try:
            return handler(args, store, config)
        finally:
            if command not in _READERS or (command == "show" and not args.offline):
                _tell_an_open_reader(store)
    finally:
        store.close()


def _tell_an_open_reader(store: Store) -> None:
    """Count this command's writes for a reader open on the same cache, which reloads when
    the count moves: only the command line's writes move it, never the reader's own."""
    if not store.read_only:
        with contextlib.suppress(StoreError):  # what was written stays; the next one tells
            store.note_command_write()


def _reader_config(config: Config) -> Config:
    """The config with [keys] entries the reader has no binding for dropped, and said."""
    if not config.keys:
        return config
    # Start-up speed: Textual loads only when the reader opens, never for a command.
    from newsreader.ui.app import NewsreaderApp
    from newsreader.ui.help_screen import key_clashes, reader_binding_rows

    known = {row.id for row in reader_binding_rows(NewsreaderApp.BINDINGS, {})}
    config = config.with_known_bindings(known)
    clashes = key_clashes(NewsreaderApp.BINDINGS, config.keys)
    return replace(config, warnings=(*config.warnings, *clashes)) if clashes else config


# Commands that only read the cache: these still work on a read-only one (a backup, a
# read-only mount); `show` then stays offline, and the reader needs --offline.
_READERS = frozenset({"feeds", "articles", "show", "export"})


def open_store(args: argparse.Namespace, data_dir: Path) -> Store:
    make_data_dir(data_dir)
    reason = unwritable_reason(data_dir / DB_NAME)
    if reason is None:
        return Store.in_dir(data_dir, on_progress=_say_progress)
    what = args.command or "the reader"
    if args.command not in _READERS and not (args.command is None and args.offline):
        hint = "newsreader --offline" if args.command is None else "feeds, articles, show, export"
        raise NewsreaderError(
            f"cannot write the cache in {data_dir} ({reason}), which {what} needs; "
            f"it can still be read: {hint}"
        )
    store = Store.in_dir(data_dir, read_only=True)
    print(
        f"newsreader: the cache in {data_dir} is read-only ({reason}): reading it as it is, "
        "nothing is saved",
        file=sys.stderr,
    )
    return store


def _say_progress(text: str) -> None:
    """A long upgrade of the cache says what it does before the reader or a command starts."""
    print(f"newsreader: {text}", file=sys.stderr, flush=True)


def run_demo(config: Config) -> int:
    """The whole real pipeline on the sample edition, served from a loopback server in this
    process, with a cache that is thrown away on exit."""
    import tempfile

    # Start-up speed: the demo server and Textual load only for --demo.
    from newsreader.demo.run import prepare_demo
    from newsreader.ui.app import run_reader

    with tempfile.TemporaryDirectory(prefix="newsreader-demo-") as tmp:
        server = prepare_demo(Path(tmp), config=config)
        store = Store.in_dir(Path(tmp))
        try:
            return run_reader(store, config, offline=False)
        finally:
            store.close()
            server.stop()


def _not_blank(flag: str, needs: str, *values: str | None) -> None:
    """A flag given an empty or blank value is an error, not a flag left out: `articles
    --feed "$F"` with F unset listed every feed (a helper's tour), as `--search ""` says."""
    if any(value is not None and not value.strip() for value in values):
        raise NewsreaderError(f"{flag} needs {needs}")


def _feed_arg(store: Store, text: str) -> Feed:
    feed = store.find_feed(text)
    if feed is None:
        raise NewsreaderError(f"no subscription matches {text!r} (see `newsreader feeds`)")
    return feed


def _tag_arg(store: Store, text: str) -> str:
    """The tag asked for (the listing matches it case-blind, as search's `tag:`), once some
    feed has it: a tag no feed has is an error, as a feed no subscription matches is (it
    listed nothing)."""
    tags = sorted({tag for feed in store.feeds(counts=False) for tag in feed.tags})
    if any(fold(tag) == fold(text.strip()) for tag in tags):
        return text.strip()
    known = ", ".join(repr(t) for t in tags) or "none yet"
    raise NewsreaderError(f"no feed has the tag {text!r}; tags: {known}")


def cmd_add(args: argparse.Namespace, store: Store, config: Config) -> int:
    # Start-up speed: httpx, feedparser and lxml load for the commands that fetch.
    from newsreader.core.subscribe.add import add_subscription

    if args.offline:
        raise NewsreaderError("add needs the network; drop --offline")
    if args.pick is not None and args.pick < 1:  # 0 took the first feed, without a word
        raise NewsreaderError("--pick must be at least 1 (the page's first feed is 1)")
    # A blank title was stored, and `feeds` showed the address where `articles` named the
    # feed's own title (a helper's tour); left out, the feed's own title is shown.
    _not_blank("--title", "a title (leave it out for the feed's own)", args.title)
    _not_blank("--tag", "a tag's name", *args.tag)
    try:
        done = add_subscription(
            store,
            config,
            args.url,
            title=args.title.strip() if args.title else None,
            tags=[tag.strip() for tag in args.tag],
            pick=args.pick,
        )
    except FeedChoiceError as exc:
        print_offers(args.url, exc.offers)
        raise
    if len(done.offers) > 1:
        print_offers(args.url, done.offers)
    if done.already:
        print(f"already subscribed to {line(done.name, 120)} ({line(done.feed.url)})")
        return exit_codes.OK
    print(
        f"subscribed to {line(done.name, 120)} ({line(done.feed.url)}): "
        f"{counted(done.new_entries, 'entry', 'entries')}"
    )
    return exit_codes.OK


def cmd_remove(args: argparse.Namespace, store: Store, config: Config) -> int:
    feed = _feed_arg(store, args.feed)
    removed = store.remove_feed(feed.id)
    print(
        f"removed {line(feed.title)} ({counted(removed, 'entry', 'entries')}; starred entries kept)"
    )
    return exit_codes.OK


def cmd_feeds(args: argparse.Namespace, store: Store, config: Config) -> int:
    feeds = store.feeds()
    if args.json:
        print_json([feed_json(f) for f in feeds])
        return exit_codes.OK
    if not feeds:
        print("no subscriptions yet: newsreader add URL")
    for feed in feeds:
        status = "never fetched"
        if feed.last_fetched is not None:
            status = f"fetched {feed.last_fetched:%Y-%m-%d %H:%M} UTC"
            if feed.last_status is not None:
                status += f", HTTP {feed.last_status}"
        if feed.gone:
            status += ", gone (no longer polled)"
        tags = f" [{', '.join(line(t) for t in feed.tags)}]" if feed.tags else ""
        print(f"{feed.id:>4}  {line(feed.title)}{tags}")
        print(f"      {line(feed.url)}")
        print(f"      {counted(feed.entries, 'entry', 'entries')}, {feed.unread} unread; {status}")
        if feed.last_error:
            print(f"      error: {line(feed.last_error)}")
    return exit_codes.OK


def cmd_import(args: argparse.Namespace, store: Store, config: Config) -> int:
    # Start-up speed: lxml loads for the commands that read XML.
    from newsreader.core.subscribe.opml import import_opml

    done = import_opml(store, args.file)
    print(f"imported {counted(done.feeds, 'feed')} from {args.file} ({done.new} new)")
    for url in done.skipped:  # one line each, as for any bad input
        print(f"skipped {line(url, 200)}: not a web address", file=sys.stderr)
    return exit_codes.OK


def cmd_export(args: argparse.Namespace, store: Store, config: Config) -> int:
    # Start-up speed: lxml loads for the commands that write XML.
    from newsreader.core.subscribe.opml import OpmlFeed, write_opml

    text = write_opml(OpmlFeed(url=f.url, title=f.title, tags=f.tags) for f in store.feeds())
    if args.file is None:
        sys.stdout.write(text)
    else:
        try:
            args.file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise NewsreaderError(f"cannot write {args.file}: {exc.strerror}") from exc
        print(f"wrote {counted(len(store.feeds()), 'feed')} to {args.file}", file=sys.stderr)
    return exit_codes.OK


def cmd_refresh(args: argparse.Namespace, store: Store, config: Config) -> int:
    # Start-up speed: httpx, the worker pool and the refresh's collector policy (the core's
    # refresh package) load for the commands that fetch.
    from newsreader.core.refresh.collecting import collect_seldom
    from newsreader.core.refresh.run import refresh

    collect_seldom()
    if args.offline:
        raise NewsreaderError("refresh needs the network; drop --offline")
    feed_ids: Collection[int] | None = None
    _not_blank("--feed", "a feed's address, id or title", *args.feed)
    if args.feed:
        feed_ids = {_feed_arg(store, f).id for f in args.feed}
    sync_code, synced, local_ids = sync_before_refresh(args, store, config)
    if local_ids is not None:  # the server fetches the synced feeds
        feed_ids = [i for i in feed_ids if i in local_ids] if feed_ids else local_ids
    progress = Progress(quiet=args.json)
    report = asyncio.run(
        refresh(
            store,
            config,
            full=args.full,
            feed_ids=feed_ids,
            progress=progress.feed_done,
            due_only=args.due,
            waiting=progress.waiting,
        )
    )
    progress.finish()
    if args.json:
        shape = report_json(report)
        if config.sync.enabled:
            shape["sync"] = sync_json(synced) if synced else None
        print_json(shape)
    else:
        print(
            f"{counted(report.feeds, 'feed')}, "
            f"{counted(report.new_entries, 'new entry', 'new entries')}, "
            f"{report.updated_entries} updated, {report.unchanged} unchanged, "
            f"{len(report.failed)} failed"
            + (f", {counted(report.pages_fetched, 'page')} fetched" if args.full else "")
            + (f" ({len(report.pages_failed)} could not be)" if report.pages_failed else "")
            + f" in {report.seconds:.1f} s"
        )
        for url, error in report.failed:
            print(f"failed: {line(url)}: {line(error)}", file=sys.stderr)
        for url, error in report.pages_failed:
            print(f"page failed: {line(url)}: {line(error)}", file=sys.stderr)
    return exit_codes.FAILED if report.failed or report.pages_failed else sync_code


def cmd_articles(args: argparse.Namespace, store: Store, config: Config) -> int:
    if args.limit < 1:
        raise NewsreaderError("--limit must be at least 1")
    _not_blank("--search", "a word to look for", args.search)
    _not_blank("--feed", "a feed's address, id or title", args.feed)
    _not_blank("--tag", "a tag's name", args.tag)
    _not_blank("--saved", "a saved search's name", args.saved)
    saved = search_filter(_saved_search(config, store, args.saved)) if args.saved else EntryFilter()
    # The flags narrow a saved search further: two queries side by side must both match.
    search = " ".join(q for q in (saved.search, args.search) if q) or None
    tag = _tag_arg(store, args.tag) if args.tag else None
    if tag and saved.tag and fold(tag) != fold(saved.tag):
        raise NewsreaderError(f"--saved {args.saved!r} lists tag {saved.tag!r}, not {tag!r}")
    filt = EntryFilter(
        feed_id=_feed_arg(store, args.feed).id if args.feed else None,
        tag=tag or saved.tag,
        unread=args.unread or saved.unread,
        starred=args.starred or saved.starred,
        search=search,
        one_per_story=config.cluster.enabled,
        watch=config.watch.words,
        watched_only=args.watched,
        show_hidden=args.show_hidden,
    )
    if not store.read_only:  # a read-only cache lists what was decided when it was written
        store.apply_hide_rules(config.hide)  # a no-op unless entries or rules are new
    rows = store.entries(filt, limit=args.limit)
    if args.json:
        stories = {r.id: store.story_versions(r.id) for r in rows if r.versions > 1}
        print_json([entry_summary_json(r, stories.get(r.id, ())) for r in rows])
    else:
        print_headlines(rows)
    if not rows and args.search:
        # On stderr: a script reading stdout gets nothing rather than a sentence.
        print(f"newsreader: no matches for {line(args.search, 200)!r}", file=sys.stderr)
    elif not rows and args.saved:
        print(
            f"newsreader: the saved search {line(args.saved, 80)!r} lists nothing", file=sys.stderr
        )
    return exit_codes.OK


def _saved_search(config: Config, store: Store, name: str) -> SavedSearch:
    """A [[search]] of config.toml or one saved in the reader, by name (case-blind)."""
    searches = [*config.searches, *store.saved_searches()]
    for search in searches:  # folded as tags are: "muenster lokal" is "Münster lokal"
        if fold(search.name) == fold(name.strip()):
            return search
    known = ", ".join(repr(s.name) for s in searches) or "none yet (S in the reader saves one)"
    raise NewsreaderError(f"no saved search named {name!r}; saved searches: {known}")


def cmd_show(args: argparse.Namespace, store: Store, config: Config) -> int:
    entry = store.entry(args.id)
    if entry is None:
        raise NewsreaderError(f"no article with id {args.id} (see `newsreader articles`)")
    code = exit_codes.OK
    if not args.offline and not store.read_only and entry.url:
        code = _complete_online(store, config, entry.id, entry.url, need_page=not entry.page_text)
        entry = store.entry(args.id) or entry
    if args.json:
        print_json(article_json(entry))
    else:
        print_article(entry)
    return code


def _complete_online(
    store: Store, config: Config, entry_id: int, url: str, *, need_page: bool
) -> int:
    """Fetch the page when we lack it, then previews for teasers known only by URL."""
    # Start-up speed: httpx and trafilatura load only when `show` goes online.
    from newsreader.core.refresh.on_demand import load_page, load_previews

    async def work() -> int:
        code = exit_codes.OK
        if need_page:
            try:
                await load_page(store, url, config=config)
            except FetchError as exc:
                print(f"newsreader: showing the feed's text: {line(str(exc))}", file=sys.stderr)
                code = exit_codes.FAILED
        bare = [t.url for t in store.entry_teasers(entry_id) if not t.description]
        await load_previews(store, bare, config=config)
        return code

    return asyncio.run(work())


def cmd_reextract(args: argparse.Namespace, store: Store, config: Config) -> int:
    # Start-up speed: trafilatura loads for the one command that extracts.
    from newsreader.core.refresh.on_demand import reextract_all

    count = reextract_all(store)
    print(f"re-extracted {counted(count, 'cached page')}")
    return exit_codes.OK


_COMMANDS = {
    "add": cmd_add,
    "remove": cmd_remove,
    "feeds": cmd_feeds,
    "import": cmd_import,
    "export": cmd_export,
    "refresh": cmd_refresh,
    "articles": cmd_articles,
    "show": cmd_show,
    "reextract": cmd_reextract,
    "sync": cmd_sync,
    "mark": cmd_mark,
}

__all__ = ["dispatch"]

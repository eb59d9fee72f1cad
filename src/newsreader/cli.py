"""Command line: parse arguments, run one command, turn errors into one line and an exit code.

Exit codes are in `exit_codes.py`. Textual is imported only when the reader itself starts, so
scripts stay quick.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from newsreader import __version__, exit_codes
from newsreader.cli_numbers import whole_number
from newsreader.collector import hold_collector, release_collector
from newsreader.core.config import default_config_path, default_data_dir
from newsreader.marks import headline_marks
from newsreader.sync_cli import add_no_sync_flag, add_sync_parsers

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # A terminal that cannot show "Münster" (PYTHONIOENCODING=ascii) got a traceback
        # for `--help`; it gets "M?nster" instead.
        out = file or sys.stderr
        if message:
            encoding = getattr(out, "encoding", None) or "utf-8"
            out.write(message.encode(encoding, "replace").decode(encoding, "replace"))

    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, as every error here (DESIGN: no usage block): what was wrong, and where
        # the whole usage is.
        _usage_error(self.prog, message)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        # Options no parser took are found by the top one, which named itself: "newsreader:
        # unrecognized arguments: --bogus (see newsreader --help)" for `articles --bogus`.
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None)
            where = f"{self.prog} {command}" if command else self.prog
            _usage_error(where, f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def _usage_error(where: str, message: str) -> NoReturn:
    print(f"{where}: {message} (see {where} --help)", file=sys.stderr)
    raise SystemExit(exit_codes.USAGE)


class _GlobalsToo(_Parser):
    """A command's parser that also takes the global options, git-style: `newsreader feeds
    --data-dir D` means what `newsreader --data-dir D feeds` does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_global_options(self, after_command=True)


def _add_global_options(parser: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    # After the command, an option left out must not reset what was given before it: SUPPRESS
    # leaves the attribute alone unless the option is there.
    default: Any = argparse.SUPPRESS if after_command else None
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="folder of the SQLite cache (env NEWSREADER_DATA_DIR)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help=f"config file (env NEWSREADER_CONFIG; default {default_config_path()})",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS if after_command else False,
        help="never touch the network",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsreader",
        description=(
            "A terminal reader for local news. Without a command it opens the reader: "
            "cached headlines at once, refreshed in the background."
        ),
        epilog=f"Data lives in --data-dir (default: {default_data_dir()}).",
    )
    parser.add_argument("--version", action="version", version=f"newsreader {__version__}")
    _add_global_options(parser)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the reader on the bundled sample edition, in a throw-away data dir; "
        "no network needed",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_GlobalsToo)

    add = sub.add_parser(
        "add",
        help="subscribe to a feed, or to the feeds an HTML page announces",
        description="Subscribe. An HTML page URL is searched for its feeds (autodiscovery).",
    )
    add.add_argument("url", metavar="URL", help="a feed (RSS/Atom) or a web page that links one")
    add.add_argument("--title", help="title to show instead of the feed's own")
    add.add_argument("--tag", action="append", default=[], help="tag (repeatable)")
    add.add_argument(
        "--pick",
        type=whole_number,
        metavar="N",
        help="when a page offers several feeds, take the Nth",
    )

    remove = sub.add_parser(
        "remove", help="unsubscribe", description="Unsubscribe; starred entries stay."
    )
    remove.add_argument("feed", metavar="URL_OR_ID", help="as `newsreader feeds` lists it")

    feeds = sub.add_parser("feeds", help="list subscriptions with their status")
    feeds.add_argument("--json", action="store_true", help="print one JSON document")

    imp = sub.add_parser(
        "import",
        help="subscribe to every feed of an OPML file (`refresh` then fetches them)",
        description="Subscribe to every feed of an OPML file; nothing is fetched until the "
        "next `refresh` (the reader's i dialog fetches them at once).",
    )
    imp.add_argument("file", type=Path, metavar="FILE.opml", help="OPML 1.0 or 2.0")

    exp = sub.add_parser("export", help="write subscriptions as OPML 2.0")
    exp.add_argument("file", type=Path, nargs="?", metavar="FILE", help="default: stdout")

    ref = sub.add_parser("refresh", help="fetch all feeds")
    ref.add_argument(
        "--full",
        action="store_true",
        help="also fetch article pages and their teaser targets for offline reading",
    )
    ref.add_argument(
        "--feed",
        action="append",
        default=[],
        metavar="URL_OR_ID",
        help="only this feed (repeatable; a title names it too)",
    )
    ref.add_argument(
        "--due",
        action="store_true",
        help="only the feeds due: each polled no more often than its ttl, sy:updatePeriod or "
        "Cache-Control asks, within [network] min_poll_minutes and max_poll_minutes (for cron)",
    )
    ref.add_argument("--json", action="store_true", help="print one JSON document")
    add_no_sync_flag(ref)

    arts = sub.add_parser(
        "articles",
        help="list headlines, newest first",
        description="Headlines, newest first. Marks: {} unread, {} starred, {} paywalled, "
        "{} readable offline.".format(*headline_marks()),
    )
    arts.add_argument("--feed", metavar="URL_OR_ID", help="only this subscription")
    arts.add_argument("--tag", help="only feeds with this tag (an OPML folder)")
    arts.add_argument("--unread", action="store_true", help="only unread")
    arts.add_argument("--starred", action="store_true", help="only starred")
    arts.add_argument(
        "--watched", action="store_true", help="only those matching a [watch] word (for cron)"
    )
    arts.add_argument(
        "--show-hidden", action="store_true", help="also those a [[hide]] rule hides (marked h)"
    )
    arts.add_argument(
        "--search",
        metavar="Q",
        help="titles and text, case and umlaut blind (muenster = Münster): words (as prefixes), "
        '"a phrase", OR, -word, feed:NAME, tag:NAME, before:/after:YYYY-MM-DD',
    )
    arts.add_argument(
        "--saved",
        metavar="NAME",
        help="a saved search: [[search]] in config.toml, or S in the reader",
    )
    arts.add_argument(
        "--limit", type=whole_number, default=50, metavar="N", help="at most N (default 50)"
    )
    arts.add_argument("--json", action="store_true", help="print one JSON document")

    show = sub.add_parser(
        "show",
        help="one article as text, with numbered teaser links",
        description="One article: header, full text (fetched and extracted from its page "
        "when online and not cached yet), and its numbered teaser links.",
    )
    show.add_argument(
        "id", type=whole_number, metavar="ID", help="as `newsreader articles` lists it"
    )
    show.add_argument("--json", action="store_true", help="print one JSON document")

    sub.add_parser(
        "reextract",
        help="rebuild article texts and teasers from the cached pages (no network)",
    )
    add_sync_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    hold_collector()  # start-up speed: until the reader's first frame (collector.py)
    try:
        return _main(argv)
    finally:
        release_collector()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is not None:
        release_collector()  # a command may make garbage in loops: the collector as usual
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A terminal that cannot show "ü" gets "?", not an encoding error half-way through.
        sys.stdout.reconfigure(errors="replace")
    # Start-up speed: `--help` and `--version` answer before the store and commands load.
    from newsreader import commands
    from newsreader.core.errors import NewsreaderError

    try:
        return commands.dispatch(args)
    except NewsreaderError as exc:
        print(f"newsreader: {exc}", file=sys.stderr)
        return exit_codes.USAGE
    except KeyboardInterrupt:
        print("newsreader: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        return exit_codes.OK

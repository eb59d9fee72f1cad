"""`i`: subscribe to every feed of an OPML file, its folders becoming tags.

Only the subscriptions are written here; the app's refresh fetches them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsreader.core.models import NewsreaderError
from newsreader.core.store.store import Store
from newsreader.ui.dialog import OneLineDialog

# Subscription lists are small; anything bigger is not one.
MAX_OPML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Imported:
    path: Path
    feeds: int
    new: int


def import_opml(store: Store, path: Path) -> Imported:
    """Read, parse and subscribe; raises NewsreaderError with a one-line reason."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise NewsreaderError(f"{path} is too big for a subscription list")
        data = path.read_bytes()
    except OSError as exc:
        raise NewsreaderError(f"cannot read {path}: {exc.strerror or exc}") from exc
    from newsreader.core.subscribe.opml import (
        parse_opml,  # lxml: lazily, the reader starts without it
    )

    feeds = parse_opml(data)
    if not feeds:
        raise NewsreaderError(f"{path} lists no feeds")
    known = {f.url for f in store.feeds()}
    for item in feeds:
        store.add_feed(item.url, title=item.title, tags=item.tags)
    return Imported(path, len(feeds), sum(1 for f in feeds if f.url not in known))


class ImportDialog(OneLineDialog[Imported]):
    title_text = "Import an OPML file"
    help_text = (
        "The subscription list other feed readers export. Its folders become tags; "
        "the feeds are fetched right after."
    )
    placeholder = "~/subscriptions.opml"
    working_text = "Importing…"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def check(self, value: str) -> str | None:
        return None if value else "Type the path of an OPML file first."

    def work(self, value: str) -> Imported:
        return import_opml(self.store, Path(value).expanduser())

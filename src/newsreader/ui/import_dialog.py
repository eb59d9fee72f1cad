"""`i`: subscribe to every feed of an OPML file, its folders becoming tags.

Only the subscriptions are written here (by the core's `import_opml`); the app's refresh
fetches them afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from newsreader.core.errors import NewsreaderError
from newsreader.core.store.store import Store
from newsreader.ui.dialog import OneLineDialog

if TYPE_CHECKING:  # types only
    from newsreader.core.subscribe.opml import Imported


class ImportDialog(OneLineDialog["Imported"]):
    title_text = "Import an OPML file"
    help_text = (
        "The subscription list other feed readers export. Its folders become tags; "
        "the feeds are fetched right after."
    )
    placeholder = "~/subscriptions.opml"
    working_text = "Importing…"
    still_working_text = "Still importing: the feeds appear when it is done."

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def check(self, value: str) -> str | None:
        return None if value else "Type the path of an OPML file first."

    def work(self, value: str) -> Imported:
        # Start-up speed: lxml loads when a file is imported, not when the reader starts.
        from newsreader.core.subscribe.opml import import_opml

        path = Path(value).expanduser()
        done = import_opml(self.store, path)
        if not done.feeds:
            raise NewsreaderError(f"{path} lists no feeds")
        return done

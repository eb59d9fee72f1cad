"""`?`: every binding with its id (for config.toml [keys]), its keys and what it does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from newsreader.ui.text import safe_text


@dataclass(frozen=True, slots=True)
class BindingRow:
    where: str
    id: str
    keys: str
    description: str


def reader_binding_rows(
    app_bindings: Iterable[BindingType], keymap: Mapping[str, str]
) -> list[BindingRow]:
    """Every binding of the reader, pane by pane, as `?` lists them."""
    return [
        replace(row, where=_NOT_EVERYWHERE.get(row.id, row.where))
        for row in binding_rows(_scopes(app_bindings), keymap)
    ]


def _scopes(app_bindings: Iterable[BindingType]) -> list[tuple[str, Iterable[BindingType]]]:
    # Start-up speed: the panes' modules, loaded when the keys are first listed.
    from newsreader.ui.article_view import ArticleView
    from newsreader.ui.feed_pane import FeedPane
    from newsreader.ui.headline_view import HeadlineView
    from newsreader.ui.search_input import SearchInput  # start-up speed
    from newsreader.ui.teaser_list import TeaserList  # start-up speed
    from newsreader.ui.welcome_screen import WelcomeScreen  # start-up speed

    return [
        ("any", app_bindings),
        ("list", HeadlineView.BINDINGS),
        ("article", ArticleView.BINDINGS),
        ("teasers", TeaserList.BINDINGS),
        ("feeds", FeedPane.BINDINGS),
        ("search", SearchInput.BINDINGS),
        ("help", HelpScreen.BINDINGS),
        ("welcome", WelcomeScreen.BINDINGS),
    ]


# Panes where the App's own keys work too, unless the pane binds the same key: it wins.
_PANES = frozenset({"list", "article", "teasers", "feeds"})


def key_clashes(app_bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> list[str]:
    """One line for each key a [keys] remap gives a binding that another binding of the same
    pane (or the App's, in a pane) has already: one of the two stops working there, silently
    ("app.quit" = "j" left the reader without q, j being the list's). Clashes the defaults
    have themselves (the article's q goes back, the App's q quits) are not the user's."""

    def clashes(mapping: Mapping[str, str]) -> set[tuple[str, str, str]]:
        # Each binding's keys in each pane that binds it (the keys `detail.to_list` has in
        # the article and in the teasers alike), the App's under "any".
        keys: dict[tuple[str, str], set[str]] = {}
        for where, bindings in _scopes(app_bindings):
            for binding in Binding.make_bindings(bindings):
                if binding.id is not None:
                    spelled = mapping.get(binding.id, binding.key)
                    keys.setdefault((where, binding.id), set()).update(
                        key.strip() for key in spelled.split(",")
                    )
        found: set[tuple[str, str, str]] = set()
        for (a, mine), mine_keys in keys.items():
            for (b, other), other_keys in keys.items():
                shared = mine_keys & other_keys
                if other == mine or not shared:
                    continue
                if a == b or (a == "any" and b in _PANES) or (b == "any" and a in _PANES):
                    found.update((mine, other, key) for key in shared)
        return found

    others: dict[tuple[str, str], list[str]] = {}
    for mine, other, key in sorted(clashes(keymap) - clashes({})):
        if mine in keymap:
            others.setdefault((mine, key), []).append(repr(other))
    return [
        f"[keys] {mine!r} takes {key!r}, which {', '.join(names)} "
        f"{'has' if len(names) == 1 else 'have'} too: one of them will not work"
        for (mine, key), names in others.items()
    ]


# App keys that do not work in every pane: listed as "any" they misled (a helper's tour).
_NOT_EVERYWHERE = {
    "app.quit": "list, feeds",  # the article and the teasers take q back to the list
    "app.sample_edition": "no feeds",  # the feed pane's d removes a feed
}


def binding_rows(
    scopes: Iterable[tuple[str, Iterable[BindingType]]], keymap: Mapping[str, str]
) -> list[BindingRow]:
    """The effective bindings, remaps from config applied; one row per binding id."""
    rows: dict[str, BindingRow] = {}
    for where, bindings in scopes:
        for binding in Binding.make_bindings(bindings):
            if binding.id is None:
                continue
            known = rows.get(binding.id)
            if known is not None:
                # make_bindings splits "j,down" into one Binding per key: join them back.
                if known.where == where and binding.id not in keymap:
                    rows[binding.id] = BindingRow(
                        where, binding.id, f"{known.keys},{binding.key}", known.description
                    )
                continue
            keys = keymap.get(binding.id, binding.key)
            rows[binding.id] = BindingRow(where, binding.id, keys, binding.description)
    return list(rows.values())


# The search language (core/search_query.py), listed after the keys: an example, its reading.
SEARCH_SYNTAX = (
    ("Rathaus Markt", "all words, each a prefix; ü = ue"),
    ('"Rat der Stadt"', "a phrase: whole words in order"),
    ("Unfall OR Brand", "either; binds tighter than a space"),
    ("-Horoskop", 'without (also -"a phrase")'),
    ("feed:Polizei", "a feed by its title's words, or id"),
    ("tag:Münster", "the feeds with that tag"),
    ("after:2026-11-01", "that day or later (local time)"),
    ("before:2026-12-01", "earlier than that day"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%; border: thick $primary; background: $surface;
    }
    HelpScreen #help-title { padding: 0 1; text-style: bold; }
    HelpScreen DataTable { height: 1fr; }
    """

    def __init__(self, rows: list[BindingRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "Keys — remap any by id under [keys] in config.toml; search syntax (/) "
                "at the end  (escape closes)",
                id="help-title",
                markup=False,
            )
            yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Keys", "Action", "Id")
        for row in self.rows:
            table.add_row(
                Text(row.where),
                Text(safe_text(_pretty_keys(row.keys))),
                Text(row.description),
                Text(row.id),
            )
        for example, reading in SEARCH_SYNTAX:
            table.add_row(Text("syntax"), Text(example), Text(reading), Text(""))
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "asterisk": "*",
    "plus": "+",
    "exclamation_mark": "!",
}


def _pretty_keys(keys: str) -> str:
    return ", ".join(_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))

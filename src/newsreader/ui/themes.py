"""The reader's two themes, dark and light, and the choice remembered in the cache.

ctrl+p → "Theme" switches (Textual's own picker, which then offers exactly these two: with
Textual's twenty beside them, typing "light" picked someone else's). The choice is kept in
the cache's settings table, not in config.toml, which stays the user's file.
NO_COLOR is Textual's business: it paints every theme in grey then, and no mark of ours
depends on colour (the headline marks are glyphs: ● unread, ★ starred, € paywalled, ↓ offline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

from newsreader.core.store.store import Store
from newsreader.ui.background import BackgroundLoop

DARK = "newsreader-dark"
LIGHT = "newsreader-light"
SETTING = "theme"

# The dark theme is Textual's own dark one under our name, so a saved choice means the same
# whatever Textual's defaults become.
DARK_THEME = replace(BUILTIN_THEMES["textual-dark"], name=DARK)
# Paper-like, with text and marks well above WCAG AA contrast on every surface.
LIGHT_THEME = Theme(
    name=LIGHT,
    primary="#1F5FA8",
    secondary="#3A6FA0",
    accent="#A14E00",
    warning="#8A5300",
    error="#B3261E",
    success="#2E6B32",
    foreground="#1C1B19",
    background="#F7F5F0",
    surface="#EFECE5",
    panel="#DCD6CB",
    dark=False,
    variables={"footer-key-foreground": "#1F5FA8"},
)


def install_themes(app: App[Any], store: Callable[[], Store], writer: BackgroundLoop) -> None:
    """Register both themes, start in the one saved in the cache (else dark), and save every
    change on the reader's writer thread. `store` is asked each time: the sample edition
    swaps it."""
    saved = store().setting(SETTING)
    app.register_theme(DARK_THEME)
    app.register_theme(LIGHT_THEME)
    chosen = LIGHT if saved == LIGHT else DARK
    if chosen == DARK and app.theme == "textual-dark":
        # The dark theme is Textual's own under our name: its colours are those in force, so
        # the name is set without the watcher, which parses every stylesheet again and
        # restyles every widget (a tenth of the start-up on a big cache).
        app.set_reactive(App.theme, DARK)
        app.set_class(True, f"-theme-{DARK}", update=False)
    else:
        app.theme = chosen
    for name in list(app.available_themes):
        if name not in (DARK, LIGHT):
            app.unregister_theme(name)
    current = [app.theme]

    def changed(theme: Theme) -> None:
        if theme.name != current[0]:  # not the start-up theme coming back as a signal
            current[0] = name = theme.name
            cache = store()
            writer.write(lambda: cache.set_setting(SETTING, name), key=SETTING)

    app.theme_changed_signal.subscribe(app, changed)

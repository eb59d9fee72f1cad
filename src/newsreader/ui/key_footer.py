"""The footer of key bindings, rebuilt only when the keys it would show have changed.

Textual's Footer recomposes on every bindings signal: each focus move, and each
`refresh_bindings()` the panes call after a load or a count update. A rebuild mounts a new
widget per key, and each one restyles itself twice on mount (its `compact` starts True and
is then bound to the footer's False), which made the footer about a fifth of the reader's
CPU while the user moves through headlines. Most signals change nothing the footer shows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that skips the rebuild when the shown bindings are what it last composed."""

    def __init__(self) -> None:
        super().__init__()
        self._composed_for: tuple[object, ...] | None = None

    def _shown(self, screen: Screen[object]) -> tuple[object, ...]:
        """Everything `Footer.compose` reads: each binding, its state, tooltip and display."""
        return (
            self.show_command_palette,
            tuple(
                (binding, enabled, tooltip, self.app.get_key_display(binding))
                for _node, binding, enabled, tooltip in screen.active_bindings.values()
            ),
        )

    def compose(self) -> ComposeResult:
        self._composed_for = self._shown(self.screen) if self._bindings_ready else None
        for widget in super().compose():
            # A key bound to the footer's `compact` gets that value before it mounts, so
            # neither its default (True) nor the binding restyles it once mounted.
            # (Textual keeps a widget's data bindings in `_reactive_connect`, None when empty.)
            compact = getattr(type(widget), "compact", None)
            bound = getattr(widget, "_reactive_connect", None) or {}
            if isinstance(compact, Reactive) and "compact" in bound:
                widget.set_reactive(compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (
            self._composed_for is not None
            and self.is_attached
            and screen is self.screen
            and self._shown(screen) == self._composed_for
        ):
            return
        super().bindings_changed(screen)

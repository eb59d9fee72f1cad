"""Bindings shared by several panes; each keeps one id, so one [keys] remap moves them all."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Teaser and history keys work from any pane (right after enter in the list, `]` should
# reach the teasers); the App declares them and forwards to the pane.
DETAIL_BINDINGS: list[BindingType] = [
    Binding("right_square_bracket", "teaser_step(1)", "Next teaser", show=False, id="teaser.next"),
    Binding(
        "left_square_bracket", "teaser_step(-1)", "Prev teaser", show=False, id="teaser.previous"
    ),
    *(
        Binding(str(n), f"teaser_jump({n})", f"Teaser {n}", show=False, id=f"teaser.jump_{n}")
        for n in range(1, 10)
    ),
    Binding("backspace,alt+left", "history_back", "Back", show=False, id="detail.back"),
    Binding("alt+right", "history_forward", "Forward", show=False, id="detail.forward"),
]
# The same ids again on the detail widgets, shown: the footer lists them where they matter.
DETAIL_FOOTER: list[BindingType] = [
    Binding("right_square_bracket", "app.teaser_step(1)", "Teasers", id="teaser.next"),
    Binding("backspace,alt+left", "app.history_back", "Back", id="detail.back"),
    Binding("alt+right", "app.history_forward", "Forward", id="detail.forward"),
    Binding("o", "app.open_browser", "Browser", id="app.open_browser"),
]

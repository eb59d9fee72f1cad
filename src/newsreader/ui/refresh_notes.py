"""What the reader says after a refresh: nothing, a warning, or that the network is down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newsreader.core.models import RefreshReport
from newsreader.ui.text import one_line


@dataclass(frozen=True, slots=True)
class RefreshNote:
    text: str
    severity: Literal["warning", "error"]
    # Nothing could be fetched: said once per session, everything cached stays browsable.
    network_down: bool


def refresh_note(report: RefreshReport | None, error: str | None) -> RefreshNote | None:
    if error is not None:
        return RefreshNote(f"Refresh failed: {error}", "error", network_down=True)
    if report is None or not report.failed:
        return None
    url, reason = report.failed[0]
    if len(report.failed) == report.feeds:
        text = f"No feed could be fetched: {one_line(reason, 200)}"
        return RefreshNote(text, "error", network_down=True)
    text = (
        f"{len(report.failed)} of {report.feeds} feeds failed; "
        f"first: {one_line(url, 100)}: {one_line(reason, 200)}"
    )
    return RefreshNote(text, "warning", network_down=False)

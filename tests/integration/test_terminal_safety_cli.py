"""Property: whatever a feed or page says, `feeds`, `articles` and `show` (plain and --json)
print no escape sequence, control byte or bidi override, and show markup-looking text as-is."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from newsreader.cli import main
from newsreader.core.extract.render import one_line, safe_text
from newsreader.core.fetch_records import RefreshReport
from newsreader.core.models import FeedOutcome
from newsreader.core.store.store import Store
from newsreader.output import Progress, report_json
from tests.support.hostile_text import (
    EMPTY_CASE,
    FIXED_CASE,
    HUGE_CASE,
    HostileCase,
    bad_chars,
    fill_store,
    hostile_cases,
    hostile_text,
)

EXAMPLES = 20


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[str, str]:
    code = main(["--data-dir", str(data_dir), "--offline", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def strings(value: Any) -> list[str]:
    """Every string inside a decoded JSON document, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def assert_safe_plain(output: str, command: str) -> None:
    # A tab only moves the cursor to the next stop: article text may keep it.
    bad = bad_chars(output, allow="\n\t")
    assert not bad, f"{command} printed {bad[:5]!r}"


def assert_safe_json(output: str, command: str) -> Any:
    bad = bad_chars(output, allow="\n")
    assert not bad, f"{command} --json printed {bad[:5]!r}"
    document = json.loads(output)
    # `jq -r .title` prints decoded values: they must be just as harmless.
    for value in strings(document):
        bad = bad_chars(value, allow="\n\t")
        assert not bad, f"{command} --json holds {bad[:5]!r} behind a JSON escape"
    return document


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(case=FIXED_CASE)
@example(case=EMPTY_CASE)
@example(case=HUGE_CASE)
@given(case=hostile_cases)
def test_cli_output_never_carries_terminal_controls(
    case: HostileCase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory(prefix="newsreader-hostile-") as tmp:
        data_dir = Path(tmp)
        monkeypatch.setenv("NEWSREADER_CONFIG", str(data_dir / "absent.toml"))
        store = Store.in_dir(data_dir)
        try:
            fill_store(store, case)
        finally:
            store.close()

        out, err = run(capsys, data_dir, "feeds")
        assert_safe_plain(out + err, "feeds")
        assert one_line(case.feed_title) in out
        assert one_line(case.error) in out

        feeds = assert_safe_json(run(capsys, data_dir, "feeds", "--json")[0], "feeds")
        assert len(feeds) == 1

        out, err = run(capsys, data_dir, "articles")
        assert_safe_plain(out + err, "articles")
        assert one_line(case.title, 120) in out

        rows = assert_safe_json(run(capsys, data_dir, "articles", "--json")[0], "articles")
        assert len(rows) == 2

        for row in rows:
            out, err = run(capsys, data_dir, "show", str(row["id"]))
            assert_safe_plain(out + err, "show")
            assert one_line(case.title, 1000) in out
            if case.teaser_title.strip() and row["url"].endswith("/a/1"):
                assert one_line(case.teaser_title, 200) in out

            shown = assert_safe_json(
                run(capsys, data_dir, "show", str(row["id"]), "--json")[0], "show"
            )
            assert shown["id"] == row["id"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=hostile_text, error=hostile_text)
def test_refresh_report_and_progress_never_carry_terminal_controls(
    url: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`refresh` quotes failing feeds' URLs and errors (the network's words) in its progress
    lines and its --json report; the command needs a network, these are its printers."""
    progress = Progress()
    progress.feed_done(FeedOutcome(feed_id=1, url=url, error=error), 1, 2)
    progress.feed_done(FeedOutcome(feed_id=2, url=url, unchanged=True), 2, 2)
    progress.finish()
    report = RefreshReport(
        feeds=2,
        new_entries=0,
        updated_entries=0,
        unchanged=1,
        failed=((url, error),),
        pages_fetched=0,
        seconds=0.1,
    )
    print(json.dumps(report_json(report), ensure_ascii=False, indent=1))
    out, err = capsys.readouterr()
    assert_safe_plain(err, "refresh progress")
    assert err.count("\n") == 2 and one_line(url) in err
    document = assert_safe_json(out, "refresh")
    # Scrubbed, not shortened: the JSON keeps every printable character of the error.
    assert document["failed"][0]["error"] == safe_text(error)

"""Shared set-up of the sync tests and bench: a config.toml for a sync server, a phone."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

API_PASSWORD = "api-secret-1"


def write_sync_config(path: Path, service: str, url: str, user: str, **extra: object) -> Path:
    lines = ["[sync]", f'service = "{service}"', f'url = "{url}"', f'user = "{user}"']
    for key, value in extra.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class GReaderPhone:
    """Another client of the same server, in plain urllib: what a phone app sends."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base = base
        body = urlencode({"Email": user, "Passwd": password}).encode()
        with urllib.request.urlopen(f"{base}/accounts/ClientLogin", body, timeout=10) as answer:
            lines = answer.read().decode().splitlines()
        self.auth = next(line[5:] for line in lines if line.startswith("Auth="))
        self.token = self._call("GET", "token").decode().strip()

    def _call(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> bytes:
        request = urllib.request.Request(
            f"{self.base}/reader/api/0/{path}",
            data=urlencode(form).encode() if form is not None else None,
            method=method,
            headers={"Authorization": f"GoogleLogin auth={self.auth}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            data: bytes = answer.read()
            return data

    def edit(self, item_ids: list[str], *, add: str = "", remove: str = "") -> None:
        form = [("i", i) for i in item_ids] + [("T", self.token)]
        if add:
            form.append(("a", add))
        if remove:
            form.append(("r", remove))
        self._call("POST", "edit-tag", form)

    def unread_ids(self) -> set[str]:
        data = json.loads(
            self._call(
                "GET",
                "stream/items/ids?output=json&n=10000&s=user/-/state/com.google/reading-list"
                "&xt=user/-/state/com.google/read",
            )
        )
        return {ref["id"] for ref in data["itemRefs"]}

"""Bounded HTTP for the sync clients: timeouts, an overall deadline, a size cap, no redirects.

Blocking on purpose: a sync is a short sequence of dependent requests; the CLI runs it before
a refresh and the reader in a thread worker. Error messages name the host only, never a URL
with its query, a header or a form body (those carry tokens and API keys).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from newsreader.core.errors import DecodeError, SyncAuthError, SyncProtocolError, SyncUnreachable
from newsreader.core.net.decode import Oversize, body_decoder
from newsreader.core.net.fetch import USER_AGENT
from newsreader.core.net.tls import plain_http_context, verified_context

FormData = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class SyncHttp:
    def __init__(self, base_url: str, *, timeout: float, max_bytes: int) -> None:
        self.host = urlsplit(base_url).hostname or "?"
        self.max_bytes = max_bytes
        self.deadline = timeout * 3
        secure = base_url.lower().startswith("https:")
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            # What we unpack ourselves (below); httpx would offer br and zstd where installed.
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            verify=verified_context() if secure else plain_http_context(),
        )
        self.requests = 0  # for the bench and the tests: the cost of a sync

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: list[tuple[str, str | int | float | bool | None]] | None = None,
        form: FormData | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """One request, its body read up to the cap. Only transport trouble raises here; the
        caller judges the status."""
        started = time.monotonic()
        self.requests += 1
        try:
            with self.client.stream(
                method,
                url,
                params=params,
                data=_form(form) if form is not None else None,
                headers=headers,
            ) as response:
                decode = self._decoder(response)
                body = bytearray()
                # Raw bytes, inflated here in bounded steps: httpx's iter_bytes inflates a
                # whole network read at once, and a gzip bomb of 200 KB took 129 MB under a
                # cap of 1 MB (a helper's review; core/net/decode.py says the same of feeds).
                for raw in response.iter_raw():
                    for piece in decode(raw):
                        body += piece
                        if len(body) > self.max_bytes:
                            raise Oversize
                    if time.monotonic() - started > self.deadline:
                        raise SyncUnreachable(f"{what}: {self.host} answers too slowly")
                answer = Answer(
                    response.status_code, response.headers.get("content-type", ""), bytes(body)
                )
        except DecodeError:
            raise SyncProtocolError(
                f"{what}: {self.host} sent a body that does not unpack"
            ) from None
        except Oversize:  # the body, or what its first coding unpacked to
            raise SyncProtocolError(
                f"{what}: the answer of {self.host} is larger than "
                f"{self.max_bytes / 1024 / 1024:.0f} MB"
            ) from None
        except httpx.TimeoutException:
            raise SyncUnreachable(f"{what}: {self.host} did not answer in time") from None
        except httpx.HTTPError as exc:
            reason = _reason(exc)
            raise SyncUnreachable(f"{what}: cannot reach {self.host}: {reason}") from None
        if answer.status in (301, 302, 303, 307, 308):
            raise SyncProtocolError(
                f"{what}: {self.host} redirects elsewhere; set sync.url to the API address"
            )
        if answer.status >= 500:
            raise SyncUnreachable(f"{what}: {self.host} answered HTTP {answer.status}")
        return answer

    def _decoder(self, response: httpx.Response) -> Callable[[bytes], Iterable[bytes]]:
        # A coding we cannot undo is read as it came, as httpx did ("UTF-8" and "none" are
        # seen in the wild): a sync server's answer is JSON, judged by its status and parse.
        coding = response.headers.get("content-encoding", "identity")
        try:
            decode, _ = body_decoder(coding, self.max_bytes)
        except DecodeError:
            decode, _ = body_decoder("identity", self.max_bytes)
        return decode

    def json(self, answer: Answer, *, what: str) -> Any:
        """The body as JSON, or one clear error: HTML (a login page, a proxy's error page)
        is the usual wrong answer, so it is named."""
        self.refuse_html(answer, what=what, wanted="JSON")
        try:
            data = json.loads(answer.body)
        except (ValueError, RecursionError):
            raise SyncProtocolError(f"{what}: {self.host} sent no valid JSON") from None
        # JSON may escape half of a surrogate pair (`\ud83d` alone: a title cut inside an
        # emoji); Python keeps it, and no UTF-8 text, SQLite's included, can hold it.
        return _mend_surrogates(data) if _SURROGATE_ESCAPE.search(answer.body) else data

    def refuse_html(self, answer: Answer, *, what: str, wanted: str) -> None:
        if answer.body[:256].lstrip().startswith(b"<"):
            raise SyncProtocolError(
                f"{what}: {self.host} sent HTML or XML, not {wanted} (is sync.url the API address?)"
            )

    def refuse_status(self, answer: Answer, *, what: str) -> None:
        if answer.status in (401, 403):
            raise SyncAuthError(f"{what}: {self.host} refused the user name or password")
        if answer.status != 200:
            raise SyncProtocolError(f"{what}: {self.host} answered HTTP {answer.status}")


def _form(form: FormData) -> dict[str, list[str]]:
    """httpx sends a list value as repeated keys: `i=1&i=2`, as edit-tag wants."""
    merged: dict[str, list[str]] = {}
    for key, value in form:
        merged.setdefault(key, []).append(value)
    return merged


def _reason(exc: httpx.HTTPError) -> str:
    """A short cause, e.g. 'Connection refused'; httpx's text never holds our request body."""
    text = " ".join(str(exc).split())
    if "]" in text and text.startswith("["):
        text = text.split("]", 1)[1].strip()
    return text[:120] or type(exc).__name__


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _mend_surrogates(data: Any) -> Any:
    """The same data with every lone surrogate in its strings made U+FFFD."""
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    if isinstance(data, list):
        return [_mend_surrogates(value) for value in data]
    if isinstance(data, dict):
        return {_mend_surrogates(key): _mend_surrogates(value) for key, value in data.items()}
    return data

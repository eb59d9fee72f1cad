"""Checks on decoded JSON answers. A server's answer is untrusted input: every field the sync
uses is checked for its type here, and the first wrong one ends the sync with one line."""

from __future__ import annotations

from typing import Any

from newsreader.core.errors import SyncProtocolError
from newsreader.core.net.urls import is_web_url


def as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SyncProtocolError(f"{what}: expected a JSON object, got {_kind(value)}")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise SyncProtocolError(f"{what}: expected a JSON list, got {_kind(value)}")
    return value


def field_str(obj: dict[str, Any], key: str, what: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise SyncProtocolError(f"{what}: field {key!r} should be a string, got {_kind(value)}")
    return value


def need_str(obj: dict[str, Any], key: str, what: str) -> str:
    value = field_str(obj, key, what)
    assert value is not None
    return value


def field_int(obj: dict[str, Any], key: str, what: str, *, digits_ok: bool = False) -> int | None:
    """An integer field; `digits_ok` also takes a string of digits (Google Reader sends its
    microsecond and millisecond times as strings)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise SyncProtocolError(f"{what}: field {key!r} should be a number, got {_kind(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if digits_ok and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise SyncProtocolError(f"{what}: field {key!r} should be a number, got {_kind(value)}")


def web_url(value: str | None) -> str | None:
    """Links from the server are opened and fetched later: http(s) only, else none."""
    return value if value and is_web_url(value) else None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)

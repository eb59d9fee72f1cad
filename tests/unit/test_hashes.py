"""Hashes without OpenSSL (core/hashes.py): the keys they make are the keys caches hold."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zlib

from newsreader.core.hashes import entry_checksum_hex, entry_digest_hex, sha1_hex
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry
from newsreader.core.store.entry_rows import blake2_digest, entry_digest, sha1_digest


def test_sha1_hex_is_hashlibs() -> None:
    for data in (b"", b"feed", "Grüße aus Münster\x1f".encode() * 1000, bytes(range(256))):
        assert sha1_hex(data) == hashlib.sha1(data).hexdigest()


def test_entry_digest_hex_is_a_128_bit_blake2b() -> None:
    data = "Straßenbahn\x1d".encode() * 500
    assert entry_digest_hex(data) == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert len(entry_digest_hex(b"")) == 32 != len(sha1_hex(b""))


def test_entry_checksum_hex_is_zlibs_crc32_and_adler32_of_the_parts_one_after_another() -> None:
    parts = [b"L", "Straßenbahn\x1d".encode("latin-1") * 500, b"", bytes(range(256)) * 3]
    data = b"".join(parts)
    assert entry_checksum_hex(*parts) == f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
    assert entry_checksum_hex() == "0000000000000001"  # nothing: CRC 0, Adler 1
    assert len(entry_checksum_hex(b"x")) == 16 not in (len(entry_digest_hex(b"")), 40)


def test_an_entry_without_guid_link_or_enclosure_keeps_the_key_caches_hold() -> None:
    """Such an entry is named by a hash of its title and date: another hex would store every
    one of them a second time on the next refresh."""
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Stadtrat tagt</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate>"
        "</item><item><title>Öffnungszeiten</title></item>"
        "<item><description>Nur Text, kein Titel</description></item></channel></rss>"
    )
    keys = [e.key for e in parse_feed(rss.encode(), url="https://n.example/feed").entries]
    as_stored = [
        "Stadtrat tagt\x1f2025-06-02T10:00:00+00:00",
        "Öffnungszeiten\x1f",
        "\x1f\x1fNur Text, kein Titel",
    ]
    assert keys == ["sha1:" + hashlib.sha1(s.encode()).hexdigest() for s in as_stored]


def test_a_lone_surrogate_is_digested_as_before() -> None:
    """No parser here makes one, but a digest never failed on it: it is encoded as it was."""
    entry = ParsedEntry(key="k", title="T", summary="a\ud800b", content="<p>x</p>" * 50)
    joined = (
        "T\x1d\x1d\x1da\ud800b\x1d" + "<p>x</p>" * 50 + "\x1dNone\x1dNone\x1d\x1dFalse\x1d\x1d\x1d"
    )
    data = joined.encode("utf-8", "surrogatepass")
    assert entry_digest(entry) == f"{zlib.crc32(b'U' + data):08x}{zlib.adler32(b'U' + data):08x}"
    assert blake2_digest(entry) == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert sha1_digest(entry) == hashlib.sha1(data).hexdigest()


def test_a_python_without_cpythons_own_hashes_still_parses_and_digests() -> None:
    """Some builds leave out CPython's own SHA-1 and keep OpenSSL's (RHEL's Python is built
    with BLAKE2 alone built in): there the parser must work as before, with hashlib's SHA-1,
    and give the same hex."""
    script = """
import hashlib, sys
sys.modules["_sha1"] = None  # as such a build has it: absent
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.store.entry_rows import entry_digest
rss = ('<rss version="2.0"><channel><title>T</title><item><title>Stadtrat tagt</title>'
       '</item></channel></rss>')
[entry] = parse_feed(rss.encode(), url="https://n.example/feed").entries
print(entry.key == "sha1:" + hashlib.sha1("Stadtrat tagt\\x1f".encode()).hexdigest())
print(len(entry_digest(entry)))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "16"], out.stderr[-500:]

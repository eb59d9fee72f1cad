"""Hashes from CPython's own modules and ISA-L, not hashlib's OpenSSL ones: `import hashlib`
maps libcrypto into the process (3.6 MB resident), and a refresh's parse workers hash every
entry they store (issue 15: the refresh tree's memory). What these hash decides whether a
stored entry changed or names one; none of it is a secret or a signature.
"""

from __future__ import annotations

from _blake2 import blake2b

# Every process that imports this module parses feeds and stores them, so packs with ISA-L
# anyway; the reader and the refreshing process import neither.
from isal.isal_zlib import adler32, crc32

# CPython's SHA-1 (typeshed has no stub for it): 8x slower than OpenSSL's, so it names only
# short things, and reads an old digest once (see `entry_rows.sha1_digest`).
try:
    from _sha1 import sha1  # type: ignore[import-not-found]
except ImportError:  # a build without it (RHEL's Python: BLAKE2 alone built in): OpenSSL's
    from hashlib import sha1  # (worker_process.py then leaves _hashlib to the workers)


def sha1_hex(data: bytes) -> str:
    """hashlib.sha1(data).hexdigest(), the same hex, without OpenSSL."""
    hexdigest: str = sha1(data).hexdigest()
    return hexdigest


def entry_checksum_hex(*parts: bytes) -> str:
    """CRC-32 and Adler-32 of the parts, one after another, in hex (16 characters): whether
    an entry's fields changed, at a third of BLAKE2b's cost (1.5 against 4.4 us a farm entry
    of 3.3 KB; ISA-L's, the numbers zlib gives in less than half its time). No one gains by
    making two texts meet: a feed could only hide a change of its own entry from its reader,
    which it can do by not changing it. A change by chance slips past both at odds of about
    2^-64; past CRC-32 alone, 2^-32, for the edits Adler-32 does not see (two words of one
    length and one sum of byte values swapping places, say)."""
    crc, adler = 0, 1
    for part in parts:
        crc, adler = crc32(part, crc), adler32(part, adler)
    return f"{crc:08x}{adler:08x}"


def entry_digest_hex(*parts: bytes) -> str:
    """A 128-bit BLAKE2b of the parts, one after another, in hex (32 characters): the digest
    caches hold from the releases before `entry_checksum_hex` (see `entry_rows`)."""
    digest = blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
    return digest.hexdigest()

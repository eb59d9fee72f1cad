"""Hashes from CPython's own modules, not hashlib's OpenSSL ones: `import hashlib` maps
libcrypto into the process (3.6 MB resident), and a refresh's parse workers hash every entry
they store (issue 15: the refresh tree's memory). What these hash decides whether a stored
entry changed or names one; none of it is a secret or a signature.
"""

from __future__ import annotations

from _blake2 import blake2b

# CPython's SHA-1 (typeshed has no stub for it): 8x slower than OpenSSL's, so it names only
# short things, and reads an old digest once (see `entry_rows.legacy_digest`).
try:
    from _sha1 import sha1  # type: ignore[import-not-found]
except ImportError:  # a build without it (RHEL's Python: BLAKE2 alone built in): OpenSSL's
    from hashlib import sha1  # (worker_process.py then leaves _hashlib to the workers)


def sha1_hex(data: bytes) -> str:
    """hashlib.sha1(data).hexdigest(), the same hex, without OpenSSL."""
    hexdigest: str = sha1(data).hexdigest()
    return hexdigest


def entry_digest_hex(*parts: bytes) -> str:
    """A 128-bit BLAKE2b of the parts, one after another, in hex (32 characters): 2.5x faster
    than CPython's SHA-1, and 0.05 ms a farm feed (120 KB) slower than OpenSSL's."""
    digest = blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
    return digest.hexdigest()

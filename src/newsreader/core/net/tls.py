"""TLS contexts for the fetcher's clients, made once per process and shared.

Loading the CA bundle costs ~40 ms and ~1 MB per context, and httpx builds a verified context
for every client it is not handed one.
"""

from __future__ import annotations

import functools
import os
import ssl


@functools.cache
def verified_context() -> ssl.SSLContext:
    """The one context every https client uses: certificates and host names are checked
    against the CA bundle httpx would use (SSL_CERT_FILE, SSL_CERT_DIR, else certifi's)."""
    if os.environ.get("SSL_CERT_FILE"):
        context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    elif os.environ.get("SSL_CERT_DIR"):
        context = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    else:
        import certifi  # start-up speed: loaded with the first https fetch

        context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context


@functools.cache
def plain_http_context() -> ssl.SSLContext:
    """Handed to the clients of http:// hosts, which never handshake: without it httpx builds
    a verified context (loading the CA bundle) per client."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context

"""The network: bounded, polite HTTP, capped decoding, TLS contexts."""

import sys

# httpx's package imports its own command-line tool whenever click, rich and pygments are
# installed (they are, for the reader): 5 MB and a quarter of a second in every process that
# fetches, for a tool nothing here runs. Refused before httpx is first imported, it is skipped.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

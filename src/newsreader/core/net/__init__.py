"""The network: bounded, polite HTTP, capped decoding, TLS contexts."""

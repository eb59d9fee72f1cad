"""The bundled sample edition (Münster local news, invented stories) and its loopback server."""

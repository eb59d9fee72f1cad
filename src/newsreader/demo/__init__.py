"""The bundled sample edition (Münster local news, invented stories) and its loopback server."""

from newsreader.demo.run import prepare_demo
from newsreader.demo.server import DemoServer

__all__ = ["DemoServer", "prepare_demo"]

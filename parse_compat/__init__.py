"""parse-compat: a Parse Server compatible backend in Python."""

__version__ = "0.1.0"
PARSE_SERVER_VERSION = "9.10.0"

"""File names and content types: Parse's filename rule, stored names, types a browser would run.

Owns the only places a client-supplied name becomes a storage key. A name that passes
`check_stored_name` is one path component: no `/`, no NUL, no leading dot, so no traversal.
"""

from __future__ import annotations

import mimetypes
import re
import secrets

from ..errors import INVALID_FILE_NAME, ParseError

NAME_RE = re.compile(r"^[_a-zA-Z0-9][a-zA-Z0-9@. ~_-]*$")
MAX_UPLOAD_NAME = 128
# `<32 hex>_` + an upload name, with room for an extension appended from the content type.
MAX_STORED_NAME = 200
# Transport types that say nothing about the file (the JS SDK posts its envelope as text/plain).
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Content types a browser renders or runs as active content, with the extension that stands for
# them in the `fileUpload.fileExtensions` check (so the default list refuses them too).
ACTIVE_TYPES = {
    "text/html": "html", "application/xhtml+xml": "xhtml", "image/svg+xml": "svg",
    "text/xml": "xml", "application/xml": "xml", "text/xsl": "xsl", "application/xslt+xml": "xslt",
    "application/javascript": "js", "text/javascript": "js", "application/x-javascript": "js",
    "application/ecmascript": "js", "text/ecmascript": "js", "application/rdf+xml": "rdf",
    "application/mathml+xml": "mathml", "text/cache-manifest": "appcache",
    "application/x-shockwave-flash": "swf", "text/vtt": "vtt",
}


def check_upload_name(name: str) -> None:
    """Parse's rule for the name in `POST /files/:filename` (122 otherwise)."""
    if len(name) > MAX_UPLOAD_NAME:
        raise ParseError(INVALID_FILE_NAME, "Filename too long.")
    if not NAME_RE.match(name):
        raise ParseError(INVALID_FILE_NAME, "Filename contains invalid characters.")


def check_stored_name(name: str) -> None:
    """A name on a download or delete: the same character rule (one safe path component)."""
    if not name or len(name) > MAX_STORED_NAME or not NAME_RE.match(name):
        raise ParseError(INVALID_FILE_NAME, "Filename contains invalid characters.")


def base_type(content_type: str | None) -> str:
    """`Text/HTML; charset=utf-8` → `text/html`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def extension_of(name: str) -> str | None:
    if "." not in name:
        return None
    ext = name.rsplit(".", 1)[1]
    return ext or None


def active_extension(content_type: str | None) -> str | None:
    """The extension standing for a browser-executable type, or None for a passive type."""
    kind = base_type(content_type)
    if kind in ACTIVE_TYPES:
        return ACTIVE_TYPES[kind]
    if kind.endswith("+xml"):
        return "xml"
    return None


class TypeMap:
    """Extension ↔ content type from Python's built-in table only (the host's
    /etc/mime.types is not read, so every machine names types alike)."""

    def __init__(self) -> None:
        self._types = mimetypes.MimeTypes(filenames=())

    def guess_type(self, name: str) -> str | None:
        return self._types.guess_type("x." + (extension_of(name) or ""), strict=False)[0]

    def guess_extension(self, content_type: str) -> str | None:
        ext = self._types.guess_extension(base_type(content_type), strict=False)
        return ext[1:] if ext else None

    def effective_type(self, name: str, given: str | None, *, generic_given: bool = False) -> str:
        """The type a file is stored and served with: the given one, unless it is missing or
        only a transport type, then the one its extension names, else octet-stream."""
        kind = (given or "").strip()
        if kind and base_type(kind) not in GENERIC_TYPES and not generic_given:
            return kind
        return self.guess_type(name) or (kind or "application/octet-stream")

    def stored_name(self, name: str, content_type: str | None, *, preserve: bool = False) -> str:
        """`<32 random hex>_<name>`, or `<name>` itself with Parse's `preserveFileName`; Parse
        appends the type's extension to a name without one."""
        if extension_of(name) is None and content_type:
            ext = self.guess_extension(content_type)
            if ext:
                name = f"{name}.{ext}"
        return name if preserve else f"{secrets.token_hex(16)}_{name}"

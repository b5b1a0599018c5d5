"""Who may upload what: Parse's `fileUpload` options (9.x defaults) and the extension check;
who may download at all: Parse's `fileDownload` options (all true by default).

Defaults: `enableForPublic` false, `enableForAnonymousUser` false, `enableForAuthenticatedUser`
true, and `fileExtensions` a single regex that refuses every type a browser would render or
run (Parse 9's html/svg/xml family, plus scripts). As in Parse, the master key skips all of it.

Whoever uploads, the declared content type must be exactly one valid MIME type
(`type/subtype *(; name=value)`, RFC 9110 tokens): `text/html, x` or `image/png, text/html` are
refused with 130, so no header a browser could read as something else is ever stored or served.
Downloads name their `disposition`: inline only for passive image, audio, video, PDF and plain
text types; everything else is an attachment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..auth.identity import Auth
from ..errors import FILE_SAVE_ERROR, OPERATION_FORBIDDEN, ParseError
from .names import active_extension, base_type, extension_of

# parse-compat: Parse 9 refuses html/htm/shtml/xhtml, svg(z), xml, xsl(t), xsd, rng, rdf, owl and
# mathml by default; scripts (js, mjs, ...), appcache and flash are added to that list here.
BLOCKED_EXTENSIONS = (
    "[xs]?html?", "xht", "svgz?", "xml", "xslt?", "xsd", "rng", "rdf", "owl", "mathml", "mml",
    "js", "mjs", "cjs", "jsx", "javascript", "x-javascript", "ecmascript", "appcache", "swf",
    "hta", "htc", "vtt",
)
DEFAULT_FILE_EXTENSIONS = ["^(?!(?i:" + "|".join(BLOCKED_EXTENSIONS) + ")$)"]
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"'
MIME_RE = re.compile(rf"^{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*[ \t]*$")
# Served inline (nosniff and a restrictive CSP still apply); every other type is an attachment.
INLINE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "image/tiff",
    "image/heic", "image/heif", "application/pdf", "text/plain", "audio/mpeg", "audio/ogg", "audio/wav",
    "audio/webm", "audio/mp4", "video/mp4", "video/webm", "video/ogg", "video/quicktime",
})
DOWNLOAD_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
# Chromium does not open its PDF viewer in a sandboxed document; PDF script never reaches the origin.
PDF_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"


def download_csp(content_type: str) -> str:
    return PDF_CSP if content_type.split(";", 1)[0].strip().lower() == "application/pdf" else DOWNLOAD_CSP


def strict_content_type(value: str | None) -> str | None:
    """The declared type if it is exactly one valid MIME type (None when absent), else 130."""
    if value is None or value.strip() == "":
        return None
    if len(value) > 255 or not MIME_RE.match(value.strip()):
        raise ParseError(FILE_SAVE_ERROR, "Invalid content type: exactly one MIME type (type/subtype) is accepted.")
    return value.strip()


def inline_allowed(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in INLINE_TYPES


DEFAULTS: dict[str, Any] = {"enableForPublic": False, "enableForAnonymousUser": False,
                            "enableForAuthenticatedUser": True}


def is_anonymous(user: dict[str, Any] | None) -> bool:
    """A user signed up through `authData.anonymous` (Parse's AnonymousUtils.isLinked)."""
    return bool(user and isinstance(user.get("authData"), dict) and "anonymous" in user["authData"])


def check_download_caller(option: dict[str, Any] | None, auth: Auth) -> None:
    """119 when `fileDownload` (validated in settings) refuses this kind of caller; Parse's order and
    messages. The master key (and, as in Parse, the read-only one) always downloads."""
    if auth.has_master_power or not option:
        return
    user = auth.user
    anonymous = is_anonymous(user)
    if anonymous and option.get("enableForAnonymousUser") is False:
        raise ParseError(OPERATION_FORBIDDEN, "File download by anonymous user is disabled.")
    if user and not anonymous and option.get("enableForAuthenticatedUser") is False:
        raise ParseError(OPERATION_FORBIDDEN, "File download by authenticated user is disabled.")
    if not user and option.get("enableForPublic") is False:
        raise ParseError(OPERATION_FORBIDDEN, "File download by public is disabled.")


@dataclass
class UploadPolicy:
    enable_for_public: bool = False
    enable_for_anonymous_user: bool = False
    enable_for_authenticated_user: bool = True
    file_extensions: list[str] | None = field(default_factory=lambda: list(DEFAULT_FILE_EXTENSIONS))

    @classmethod
    def from_option(cls, option: dict[str, Any] | None) -> UploadPolicy:
        values = {**DEFAULTS, **(option or {})}
        extensions = values.get("fileExtensions", DEFAULT_FILE_EXTENSIONS)
        if extensions is not None and not isinstance(extensions, list):
            raise ValueError("fileUpload.fileExtensions must be a list of regular expressions")
        return cls(bool(values["enableForPublic"]), bool(values["enableForAnonymousUser"]),
                   bool(values["enableForAuthenticatedUser"]), extensions)

    def check_caller(self, auth: Auth) -> None:
        """130 when this kind of caller may not upload (Parse's order and messages)."""
        if auth.is_master:
            return
        user = auth.user
        anonymous = is_anonymous(user)
        if anonymous and not self.enable_for_anonymous_user:
            raise ParseError(FILE_SAVE_ERROR, "File upload by anonymous user is disabled.")
        if user and not anonymous and not self.enable_for_authenticated_user:
            raise ParseError(FILE_SAVE_ERROR, "File upload by authenticated user is disabled.")
        if not user and not self.enable_for_public:
            raise ParseError(FILE_SAVE_ERROR, "File upload by public is disabled.")

    def extension_allowed(self, extension: str) -> bool:
        if self.file_extensions is None:
            return True
        return any(pattern == "*" or re.search(pattern, extension) for pattern in self.file_extensions)

    def check_type(self, auth: Auth, name: str, declared_type: str | None, stored_type: str) -> None:
        """Parse's check (the name's extension, else the declared type's subtype) and, here, the
        type the file will be served with when a browser would run it."""
        if auth.is_master:
            return
        extension = extension_of(name)
        if extension is None:
            kind = base_type(declared_type)
            extension = kind.split("/", 1)[1] if "/" in kind else (kind or None)
        candidates = [extension] if extension else []
        active = active_extension(stored_type)
        if active:
            candidates.append(active)
        for candidate in candidates:
            candidate = re.sub(r"\s+", "", candidate)
            if candidate and not self.extension_allowed(candidate):
                raise ParseError(FILE_SAVE_ERROR, f"File upload of extension {candidate} is disabled.")

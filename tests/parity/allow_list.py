"""Cases of the REST differential suite where parse-compat answers differently from Parse Server
9.10 on purpose or because of a Parse artefact, each with its reason (case name → reason)."""

from __future__ import annotations

ALLOWED: dict[str, str] = {
}

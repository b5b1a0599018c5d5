"""HTTP `Range: bytes=…` for file downloads (one range; several are answered with the whole file)."""

from __future__ import annotations

from typing import Literal


def parse_range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """[start, end) to send, "unsatisfiable" (416), or None for the whole file (200)."""
    if not header or not header.strip().lower().startswith("bytes="):
        return None
    spec = header.strip()[6:].strip()
    if "," in spec or "-" not in spec:
        return None
    first, last = (part.strip() for part in spec.split("-", 1))
    try:
        if first == "":
            if not last:
                return None
            suffix = int(last)
            if suffix <= 0:
                return "unsatisfiable"
            return max(0, size - suffix), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start < 0 or start >= size or end <= start:
        return "unsatisfiable"
    return start, min(end, size)

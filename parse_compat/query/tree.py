"""The typed query tree: a storage `where` (see ``storage/base.py``) after ``parse.py`` has
validated it once against a class schema.

Every node is a frozen dataclass. Field references carry their resolved path and schema type;
operator arguments are decoded (Dates to aware datetimes, Pointers to class + id, GeoPoints to
latitude/longitude, regexes checked by the RE2 wrapper). A compiler (Postgres today) walks the
tree and never looks at the JSON again, so the rules for a bad query live in one place.

Pure data: no I/O, no module-level mutable state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = (
    "All", "And", "Compare", "ContainedBy", "DateValue", "Equals", "Exists", "FieldRef", "FileValue",
    "GeoPointValue", "In", "Intersects", "Near", "Node", "Nor", "Or", "Permission",
    "PointerValue", "Raw", "Regex", "Text", "Value", "WithinBox", "WithinCenterSphere", "WithinPolygon",
)

# Columns every class has, besides the schema fields.
COLUMN_FIELDS = frozenset({"objectId", "createdAt", "updatedAt"})


@dataclass(frozen=True)
class FieldRef:
    """A field path: ``("obj", "sub")`` for ``"obj.sub"``. ``kind`` is the schema type of the
    top-level field (``None`` when the class does not declare it)."""

    path: tuple[str, ...]
    kind: str | None

    @property
    def name(self) -> str:
        return self.path[0]

    @property
    def nested(self) -> bool:
        return len(self.path) > 1

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class DateValue:
    instant: datetime
    iso: str  # canonical: 2020-01-01T00:00:00.000Z


@dataclass(frozen=True)
class PointerValue:
    class_name: str | None
    object_id: str


@dataclass(frozen=True)
class FileValue:
    name: str


@dataclass(frozen=True)
class GeoPointValue:
    latitude: float
    longitude: float


# A decoded query value: a JSON scalar, a typed value, or a plain JSON object/array (``Raw``).
@dataclass(frozen=True)
class Raw:
    """A plain JSON object or array compared as a whole, held as canonical JSON text (so the
    tree stays hashable)."""

    text: str

    @classmethod
    def of(cls, value: Any) -> Raw:
        return cls(json.dumps(value, sort_keys=True, separators=(",", ":")))

    @property
    def value(self) -> Any:
        return json.loads(self.text)


Value = None | bool | int | float | str | DateValue | PointerValue | FileValue | GeoPointValue | Raw


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Nor:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Permission:
    """``_rperm`` / ``_wperm`` ``$in``: no list at all, or a list sharing an element with ``names``."""

    column: Literal["_rperm", "_wperm"]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Equals:
    """Equality (``{"f": v}`` / ``$eq``); on an Array field a scalar means "contains".
    ``negated`` is ``$ne`` (which also matches a missing field)."""

    field: FieldRef
    value: Value
    negated: bool = False


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: Literal["<", "<=", ">", ">="]
    value: Value


@dataclass(frozen=True)
class In:
    """``$in`` (``negated``: ``$nin``), nested lists flattened; ``None`` among the values
    matches a missing field."""

    field: FieldRef
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Exists:
    field: FieldRef
    present: bool


@dataclass(frozen=True)
class Regex:
    field: FieldRef
    pattern: str
    options: str


@dataclass(frozen=True)
class All:
    """``$all``: every value is an element (or every regex matches some element)."""

    field: FieldRef
    values: tuple[Value, ...]
    regexes: tuple[Regex, ...] = ()


@dataclass(frozen=True)
class ContainedBy:
    field: FieldRef
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Near:
    field: FieldRef
    center: GeoPointValue
    max_radians: float | None


@dataclass(frozen=True)
class WithinBox:
    field: FieldRef
    southwest: GeoPointValue
    northeast: GeoPointValue


@dataclass(frozen=True)
class WithinPolygon:
    field: FieldRef
    vertices: tuple[GeoPointValue, ...]


@dataclass(frozen=True)
class WithinCenterSphere:
    field: FieldRef
    center: GeoPointValue
    radians: float


@dataclass(frozen=True)
class Intersects:
    """``$geoIntersects {$point}`` on a Polygon field."""

    field: FieldRef
    point: GeoPointValue


@dataclass(frozen=True)
class Text:
    field: FieldRef
    term: str
    case_sensitive: bool
    diacritic_sensitive: bool


Node = (And | Or | Nor | Permission | Equals | Compare | In | Exists | Regex | All | ContainedBy
        | Near | WithinBox | WithinPolygon | WithinCenterSphere | Intersects | Text)

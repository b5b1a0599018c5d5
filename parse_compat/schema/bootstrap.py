"""Load the template's `schema.json` (the JSON schema export format) at boot.

Format: `{"classes": [{"className", "fields": {name: {type, required?, targetClass?}},
"classLevelPermissions"?}]}`; `User` means `_User`. The file is validated with jsonschema, then
classes are created or extended; nothing is ever dropped. A bad file stops the server with a
message naming the file, class and field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from ..errors import ParseError
from ..security import clp as clp_rules
from .model import DEFAULT_FIELDS, FIELD_TYPES, default_fields_for
from .registry import SchemaRegistry, validate_field_spec

CLASS_ALIASES = {"User": "_User", "Role": "_Role", "Session": "_Session", "Installation": "_Installation"}

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["classes"],
    "properties": {
        "classes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["className", "fields"],
                "properties": {
                    "className": {"type": "string", "pattern": "^_?[A-Za-z][A-Za-z0-9_]*$"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["type"],
                            "properties": {
                                "type": {"enum": sorted(FIELD_TYPES)},
                                "required": {"type": "boolean"},
                                "targetClass": {"type": "string"},
                                "defaultValue": {},
                                "description": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                    },
                    "classLevelPermissions": {"type": "object"},
                    "description": {"type": "string"},
                    "audit": {"type": "boolean"},  # parse-compat: the access audit trail (parse_compat/audit)
                },
                "additionalProperties": False,
            },
        },
    },
}


class SchemaFileError(Exception):
    """schema.json is invalid; the message names the file, class and field."""


def _location(path: str, data: Any, error: jsonschema.ValidationError) -> str:
    parts = list(error.absolute_path)
    where = ""
    if len(parts) >= 2 and parts[0] == "classes" and isinstance(parts[1], int):
        try:
            where = f" class {data['classes'][parts[1]].get('className', '?')}"
        except (KeyError, IndexError, AttributeError, TypeError):
            where = f" class #{parts[1]}"
        if len(parts) >= 4 and parts[2] == "fields":
            where += f", field {parts[3]}"
    return f"{path}:{where}: {error.message}"


def read_schema_file(path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaFileError(f"{path}: cannot read: {exc}") from exc
    except ValueError as exc:
        raise SchemaFileError(f"{path}: not valid JSON: {exc}") from exc
    validator = jsonschema.Draft202012Validator(FILE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise SchemaFileError(_location(path, data, errors[0]))
    classes = []
    for entry in data["classes"]:
        class_name = CLASS_ALIASES.get(entry["className"], entry["className"])
        fields: dict[str, dict[str, Any]] = {}
        defaults = default_fields_for(class_name)
        for name, spec in entry["fields"].items():
            if name in DEFAULT_FIELDS or name in defaults:
                # objectId/createdAt/... and system fields keep Parse's own definition, but a
                # `required` flag on a system field (e.g. username) is kept.
                if spec.get("required") and name not in DEFAULT_FIELDS and name != "password":
                    fields[name] = {**defaults[name], "required": True}
                continue
            try:
                fields[name] = validate_field_spec(class_name, name, spec)
            except ParseError as exc:
                raise SchemaFileError(f"{path}: class {entry['className']}, field {name}: {exc.message}") from exc
        clp = entry.get("classLevelPermissions")
        if clp is not None:
            all_fields = {**defaults, **fields}
            try:
                clp_rules.validate(clp, all_fields)
            except ParseError as exc:
                raise SchemaFileError(f"{path}: class {entry['className']}, classLevelPermissions: "
                                      f"{exc.message}") from exc
        classes.append({"className": class_name, "fields": fields, "classLevelPermissions": clp,
                        "audit": bool(entry.get("audit"))})
    return classes


async def load_schema_file(path: str, registry: SchemaRegistry) -> None:
    """Create or extend every class of the file. Existing fields of another type are an error."""
    if not Path(path).exists():
        return
    for entry in read_schema_file(path):
        class_name = entry["className"]
        schema = await registry.ensure_class(class_name)
        new_fields = {}
        for name, spec in entry["fields"].items():
            current = schema.fields.get(name)
            if current is None or current != spec:
                if current is not None and current["type"] != spec["type"]:
                    raise SchemaFileError(f"{path}: class {class_name}, field {name}: stored as "
                                          f"{current['type']}, file says {spec['type']}")
                new_fields[name] = spec
        if new_fields:
            await registry.merge_fields(class_name, new_fields)
        if entry["classLevelPermissions"] is not None:
            await registry.set_clp(class_name, entry["classLevelPermissions"])

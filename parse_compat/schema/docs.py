"""`parse-compat schema docs --out DIR`: the ER diagram (Mermaid) and the data dictionary
(Markdown, with class-level permissions) generated from a schema file (default `schema.json`).

Pure rendering plus one small command; the output is deterministic (no dates), so a test can
regenerate it and fail when the committed copies are stale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .bootstrap import SchemaFileError, read_schema_file

ER_FILE = "er-diagram.md"
DICTIONARY_FILE = "data-dictionary.md"
OPERATIONS = ("find", "count", "get", "create", "update", "delete", "addField")
AUTO_FIELDS = {"objectId": "Unique identifier, set by the server",
               "createdAt": "Creation time, set by the server",
               "updatedAt": "Last update time, set by the server"}
KNOWN_NOTES = {("User", "password"): "Write-only; stored as a bcrypt hash, never returned",
               ("User", "email"): "Unique (case-insensitive)",
               ("User", "username"): "Unique (case-insensitive)"}
HEADER = "<!-- Generated from {source} by `parse-compat schema docs`; do not edit by hand. -->\n\n"


def display(class_name: str) -> str:
    return class_name[1:] if class_name in ("_User", "_Role", "_Session", "_Installation") else class_name


def _type_name(spec: dict[str, Any]) -> str:
    if spec.get("type") in ("Pointer", "Relation") and spec.get("targetClass"):
        return f"{spec['type']}<{display(spec['targetClass'])}>"
    return str(spec.get("type"))


def er_diagram(classes: list[dict[str, Any]], source: str) -> str:
    lines = ["erDiagram"]
    for entry in classes:
        for name, spec in entry["fields"].items():
            target = spec.get("targetClass")
            if spec.get("type") == "Pointer" and target:
                left = "||" if spec.get("required") else "|o"
                lines.append(f'    {display(target)} {left}--o{{ {display(entry["className"])} : "{name}"')
            elif spec.get("type") == "Relation" and target:
                lines.append(f'    {display(entry["className"])} }}o--o{{ {display(target)} : "{name}"')
    for entry in classes:
        lines.append(f"    {display(entry['className'])} {{")
        for name, spec in entry["fields"].items():
            key = " PK" if name == "objectId" else " FK" if spec.get("type") == "Pointer" else ""
            note = ' "required"' if spec.get("required") and name != "objectId" else ""
            lines.append(f"        {spec.get('type')} {name}{key}{note}")
        lines.append("    }")
    body = "\n".join(lines)
    return (HEADER.format(source=source) + "# Entity-relationship diagram\n\n"
            "Pointers are drawn from the class pointed to (one) to the class holding the pointer (many);\n"
            "`||` marks a required pointer, `|o` an optional one.\n\n"
            f"```mermaid\n{body}\n```\n")


def _who(entity: str) -> str:
    if entity == "*":
        return "everyone"
    if entity == "requiresAuthentication":
        return "any logged-in user"
    if entity.startswith("role:"):
        return f"role `{entity[5:]}`"
    return f"user `{entity}`"


def describe_permission(perms: Any) -> str:
    if not isinstance(perms, dict) or not perms:
        return "master key only"
    parts = [_who(entity) for entity, allowed in perms.items() if allowed is True]
    pointer_fields = perms.get("pointerFields")
    if isinstance(pointer_fields, list) and pointer_fields:
        parts.append("users named in " + ", ".join(f"`{name}`" for name in pointer_fields))
    return ", ".join(parts) if parts else "master key only"


def _cell(value: Any) -> str:
    return "" if value is None else json.dumps(value) if not isinstance(value, str) else value


def class_section(entry: dict[str, Any]) -> str:
    name = display(entry["className"])
    rows = ["| Field | Type | Required | Default | Notes |", "|---|---|---|---|---|"]
    for field_name, spec in entry["fields"].items():
        required = "auto" if field_name in AUTO_FIELDS else "yes" if spec.get("required") else ""
        notes = spec.get("description") or AUTO_FIELDS.get(field_name) or KNOWN_NOTES.get((name, field_name), "")
        if spec.get("type") == "Pointer":
            notes = notes or f"Points to one {display(spec.get('targetClass', ''))}"
        default = _cell(spec.get("defaultValue"))
        rows.append(f"| `{field_name}` | `{_type_name(spec)}` | {required} | {f'`{default}`' if default else ''} "
                    f"| {notes} |")
    description = [entry["description"], ""] if entry.get("description") else []
    out = [f"## {name}", "", *description, *rows, ""]
    clp = entry.get("classLevelPermissions")
    out += ["### Class-level permissions", ""]
    if clp is None:
        out += ["None declared: Parse's default (everyone may do everything the ACLs allow).", ""]
        return "\n".join(out)
    out += ["| Operation | Allowed for |", "|---|---|"]
    for operation in OPERATIONS:
        out.append(f"| {operation} | {describe_permission(clp.get(operation))} |")
    for key, label in (("readUserFields", "read"), ("writeUserFields", "write")):
        if clp.get(key):
            out.append(f"| {label} (user fields) | users named in {', '.join(f'`{f}`' for f in clp[key])} |")
    out.append("")
    protected = clp.get("protectedFields") or {}
    if protected:
        out += ["Protected fields (hidden from a caller unless every entry that applies to them allows it):", "",
                "| Who | Hidden fields |", "|---|---|"]
        for entity, hidden in protected.items():
            listed = ", ".join(f"`{f}`" for f in hidden) if hidden else "none"
            out.append(f"| {_who(entity)} | {listed} |")
        out.append("")
    return "\n".join(out)


def data_dictionary(classes: list[dict[str, Any]], source: str) -> str:
    parts = [HEADER.format(source=source) + "# Data dictionary\n",
             "Every class with its fields, types, required flags and defaults, then its class-level\n"
             "permissions. Row-level access (ACLs) is set per object; see the cloud code rules.\n",
             "Classes: " + ", ".join(f"[{display(e['className'])}](#{display(e['className']).lower()})"
                                     for e in classes) + "\n"]
    parts += [class_section(entry) for entry in classes]
    return "\n".join(parts).rstrip("\n") + "\n"


def load_classes(path: Path) -> list[dict[str, Any]]:
    """The file's classes as written (names and field order kept), after validating it."""
    read_schema_file(str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["classes"])


def write_docs(schema_path: Path, out_dir: Path) -> list[Path]:
    classes = load_classes(schema_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = f"`{schema_path.name}`"
    written = []
    for name, text in ((ER_FILE, er_diagram(classes, source)), (DICTIONARY_FILE, data_dictionary(classes, source))):
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="parse-compat schema", description="Schema tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    docs = commands.add_parser("docs", help="write the ER diagram and the data dictionary")
    docs.add_argument("--out", required=True, help="output directory")
    docs.add_argument("--schema", default="schema.json", help="schema file (default: schema.json)")
    args = parser.parse_args(argv)
    try:
        written = write_docs(Path(args.schema), Path(args.out))
    except SchemaFileError as exc:
        print(f"parse-compat schema docs: {exc}")
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0

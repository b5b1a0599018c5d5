"""What a GraphQL request is checked against before it runs, as Parse Server 9 checks it:
introspection (`__schema`, `__type(name:)`) only for the master key unless
`graphQLPublicIntrospection`; `requestComplexity.graphQLDepth` / `graphQLFields` (never for the
master key); and, for callers who may not introspect, error messages stripped of the schema
names graphql-core suggests ("Did you mean …?"). Pure."""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from ..errors import INVALID_QUERY, ParseError

SUGGESTION = re.compile(r" ?Did you mean(.+?)\?$")
REQUIRED_FIELD = re.compile(r"Field [\"'][^\"']*[\"'] of required type [\"'][^\"']*[\"'] was not provided\.")


class IntrospectionRefused(Exception):
    """Answered 403 `Introspection is not allowed` (Parse's IntrospectionControlPlugin)."""


def asks_introspection(document: DocumentNode) -> bool:
    """True when any selection reads `__schema` or `__type(...)` (`__typename` is fine)."""
    def visit(selection_set: SelectionSetNode | None) -> bool:
        if selection_set is None:
            return False
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__schema" or (name == "__type" and selection.arguments):
                    return True
            if isinstance(selection, (FieldNode, InlineFragmentNode)) and visit(selection.selection_set):
                return True
        return False

    return any(visit(getattr(definition, "selection_set", None)) for definition in document.definitions)


def complexity(document: DocumentNode, operation_name: str | None) -> tuple[int, int]:
    """(depth, fields) of the operation that will run, fragments expanded (each counted where spread)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if not chosen:
        return 0, 0
    totals = {"depth": 0, "fields": 0}

    def visit(selection_set: SelectionSetNode | None, depth: int, active: frozenset[str]) -> None:
        if selection_set is None or totals["fields"] > 100_000:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                totals["fields"] += 1
                totals["depth"] = max(totals["depth"], depth + 1)
                visit(selection.selection_set, depth + 1, active)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set, depth, active)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in active:
                    visit(fragments[name].selection_set, depth, active | {name})

    visit(chosen[0].selection_set, 0, frozenset())
    return totals["depth"], totals["fields"]


def check_complexity(document: DocumentNode, operation_name: str | None, limits: dict[str, Any] | None) -> None:
    if not limits:
        return
    max_depth, max_fields = limits.get("graphQLDepth", -1), limits.get("graphQLFields", -1)
    if max_depth == -1 and max_fields == -1:
        return
    depth, fields = complexity(document, operation_name)
    if max_depth != -1 and depth > max_depth:
        raise ParseError(INVALID_QUERY, f"GraphQL query depth of {depth} exceeds maximum allowed depth of {max_depth}")
    if max_fields != -1 and fields > max_fields:
        raise ParseError(INVALID_QUERY, f"Number of GraphQL fields ({fields}) exceeds maximum allowed ({max_fields})")


TYPE_NAME = re.compile(r"""(?:on |of |by |expecting |)type ['"]([_A-Za-z][_A-Za-z0-9\[\]!]*)['"]""")
TOKEN = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")


def without_schema_names(message: str, operation_text: str = "") -> str:
    """An error message with the schema names graphql-core volunteers removed: suggestions,
    omitted required fields, and type names the caller did not write (a pointer's target class)."""
    message = SUGGESTION.sub("", message)
    message = REQUIRED_FIELD.sub("Field of required type was not provided.", message)
    written = set(TOKEN.findall(operation_text))

    def redact(found: re.Match[str]) -> str:
        name = found.group(1).strip("[]!")
        return found.group(0) if name in written else "a type"

    return TYPE_NAME.sub(redact, message)

"""Which fields a GraphQL operation selects below the field being resolved, as dotted paths
(`edges.node.name`, `pageInfo.hasNextPage`, `count`), fragments included. Pure."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode, SelectionSetNode


def selected_paths(info: GraphQLResolveInfo, max_depth: int = 4) -> set[str]:
    paths: set[str] = set()
    for node in info.field_nodes:
        _collect(node.selection_set, "", info.fragments, paths, max_depth, set())
    return paths


def _collect(selection_set: SelectionSetNode | None, prefix: str, fragments: dict[str, Any], paths: set[str],
             depth: int, seen_fragments: set[str]) -> None:
    if selection_set is None or depth <= 0:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            path = prefix + selection.name.value
            paths.add(path)
            _collect(selection.selection_set, path + ".", fragments, paths, depth - 1, seen_fragments)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, prefix, fragments, paths, depth, seen_fragments)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen_fragments or name not in fragments:
                continue
            _collect(fragments[name].selection_set, prefix, fragments, paths, depth, seen_fragments | {name})


def only_basic_fields(paths: set[str], prefix: str, basic: frozenset[str]) -> bool:
    """True when nothing under `prefix` is selected beyond `basic` fields (and `__typename`)."""
    below = {path[len(prefix):] for path in paths if path.startswith(prefix)}
    return all(path in basic or path == "__typename" for path in below)

"""`graphQLSchema`: an SDL file that extends the generated schema, as Parse Server allows —
new types and fields (`extend type Query { … }`, or `type Query { … }`, merged the same way),
with Parse's directives: `@resolve(to: "fn")` answers a field with the cloud function `fn` (the
field's name when omitted), called as the caller through `POST /functions/<fn>` with the field's
arguments as params; `@mock(with: …)` answers a fixed value.

The file is read once when the server starts (a bad file stops the boot); it is applied to every
schema the cache builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from graphql import (
    DocumentNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    extend_schema,
    parse,
    value_from_ast_untyped,
)

from .context import GraphQLContext

DIRECTIVES = """
directive @resolve(to: String) on FIELD_DEFINITION
directive @mock(with: Any!) on FIELD_DEFINITION
"""


def read_sdl(path: str) -> DocumentNode:
    """The custom schema file, parsed (raises on a missing file or a syntax error)."""
    return parse(DIRECTIVES + Path(path).read_text(encoding="utf-8"))


def _as_extensions(document: DocumentNode, schema: GraphQLSchema) -> DocumentNode:
    """`type Query { … }` for a type the schema already has becomes `extend type Query { … }`."""
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and schema.get_type(definition.name.value) is not None:
            definition = ObjectTypeExtensionNode(name=definition.name, interfaces=definition.interfaces,
                                                 directives=definition.directives, fields=definition.fields)
        definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))


def _call_function(name: str) -> Any:
    async def resolve(_source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        context = info.context
        assert isinstance(context, GraphQLContext)
        answer = await context.bridge.call("POST", f"/functions/{quote(name, safe='')}", args)
        return answer.get("result")
    return resolve


def apply_sdl(schema: GraphQLSchema, document: DocumentNode) -> GraphQLSchema:
    extended = extend_schema(schema, _as_extensions(document, schema))
    for named in extended.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            nodes = [field.ast_node] if field.ast_node is not None else []
            for directive in (d for node in nodes for d in node.directives or ()):
                arguments = {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}
                if directive.name.value == "resolve":
                    field.resolve = _call_function(str(arguments.get("to") or field_name))
                elif directive.name.value == "mock":
                    mocked = arguments.get("with")
                    field.resolve = lambda _source, _info, _value=mocked, **_args: _value
    return extended

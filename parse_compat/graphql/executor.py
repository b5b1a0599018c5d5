"""Runs one GraphQL request for one caller: parse, guard (introspection, complexity), validate,
execute against the app's current generated schema, and shape the answer as Apollo Server does
for Parse (`{"data": …, "errors": [{"message", "locations", "path", "extensions": {"code"}}]}`,
a Parse error's code in `extensions.code`).

HTTP-free: the aiohttp edge (`http/graphql_route.py`) hands it a `RequestContext` and the
decoded request.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, OperationDefinitionNode, execute, parse, validate
from graphql.error import GraphQLSyntaxError

from ..errors import INTERNAL_SERVER_ERROR, INVALID_JSON, ParseError, Unauthorized
from ..http.api import Router
from ..logsafe import redacted_traceback
from ..rest.complexity import limits
from ..rest.context import RequestContext
from .context import GraphQLContext
from .guards import asks_introspection, check_complexity, without_schema_names
from .schema import BuiltSchema, SchemaCache

log = logging.getLogger("parse_compat.graphql")
MAX_QUERY_LENGTH = 100_000
MAX_TOKENS = 20_000
MAX_CACHED_DOCUMENTS = 500


@dataclass
class GraphQLAnswer:
    status: int
    body: dict[str, Any]


def bad_request(message: str, status: int = 400, code: int | None = None) -> GraphQLAnswer:
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return GraphQLAnswer(status, {"errors": [error]})


def read_request(payload: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    """(query, variables, operationName) of a GraphQL-over-HTTP request body, or ParseError."""
    if not isinstance(payload, dict):
        raise ParseError(INVALID_JSON, "POST body must be a JSON object with a query")
    query, variables, operation = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise ParseError(INVALID_JSON, "GraphQL operations must contain a non-empty `query`")
    if len(query) > MAX_QUERY_LENGTH:
        raise ParseError(INVALID_JSON, "GraphQL query is too long")
    if variables is not None and not isinstance(variables, dict):
        raise ParseError(INVALID_JSON, "`variables` must be an object")
    if operation is not None and not isinstance(operation, str):
        raise ParseError(INVALID_JSON, "`operationName` must be a string")
    return query, variables, operation


def _format(error: GraphQLError, hide_names: bool, operation_text: str = "") -> dict[str, Any]:
    original = error.original_error
    message = error.message
    code: Any = None
    if isinstance(original, ParseError):
        message, code = original.message, original.code
    elif isinstance(original, Unauthorized):
        message, code = original.message, 119
    elif isinstance(original, TypeError) and message.startswith("Cannot return null for non-nullable field"):
        pass  # a required field the caller may not read (protected, or behind a pointer it cannot follow)
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("GraphQL resolver failed:\n%s", redacted_traceback(original))
        message, code = "Internal server error", INTERNAL_SERVER_ERROR
    if hide_names:
        message = without_schema_names(message, operation_text)
    out: dict[str, Any] = {"message": message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    if code is not None:
        out["extensions"] = {"code": code}
    return out


def may_introspect(ctx: RequestContext) -> bool:
    return ctx.auth.has_master_power or bool(getattr(ctx.state.settings, "graphQLPublicIntrospection", False))


def prepare(ctx: RequestContext, built: BuiltSchema, query: str, operation_name: str | None,
            documents: dict[str, DocumentNode] | None = None) -> DocumentNode | GraphQLAnswer:
    """The parsed, guarded and validated document, or the answer refusing it. `documents` keeps the
    validated documents of the current schema (validation costs more than a small query's run)."""
    hide = not may_introspect(ctx)
    known = documents.get(query) if documents is not None else None
    try:
        document = known or parse(query, max_lexical_tokens=MAX_TOKENS)
    except GraphQLSyntaxError as exc:
        return GraphQLAnswer(400, {"errors": [_format(exc, False)]})
    if hide and asks_introspection(document):
        return bad_request("Introspection is not allowed", 403)
    try:
        check_complexity(document, operation_name, limits(ctx))
    except ParseError as exc:
        return bad_request(exc.message, 400, exc.code)
    if known is not None:
        return known
    errors = validate(built.schema, document)
    if errors:
        return GraphQLAnswer(400, {"errors": [_format(e, hide, query) for e in errors]})
    if documents is not None:
        if len(documents) >= MAX_CACHED_DOCUMENTS:
            documents.pop(next(iter(documents)))
        documents[query] = document
    return document


def operation_kind(document: DocumentNode, operation_name: str | None) -> str | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
                operation_name is None or (definition.name and definition.name.value == operation_name)):
            return definition.operation.value
    return None


def result_body(ctx: RequestContext, result: ExecutionResult, operation_text: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_format(e, not may_introspect(ctx), operation_text) for e in result.errors]
    body["data"] = result.data
    return body


async def run_graphql(ctx: RequestContext, router: Router, cache: SchemaCache, query: str,
                      variables: dict[str, Any] | None, operation_name: str | None,
                      *, allow_mutations: bool = True) -> GraphQLAnswer:
    built = cache.current(ctx.state)
    document = prepare(ctx, built, query, operation_name, cache.documents)
    if isinstance(document, GraphQLAnswer):
        return document
    kind = operation_kind(document, operation_name)
    if kind == "subscription":
        return bad_request("Subscriptions need a websocket (graphql-transport-ws) on this path.", 400)
    if not allow_mutations and kind != "query":
        return bad_request("Only queries can be sent with GET; use POST for mutations.", 405)
    context = GraphQLContext.for_request(ctx, router, built.classes)
    outcome = execute(built.schema, document, context_value=context, variable_values=variables,
                      operation_name=operation_name)
    result: ExecutionResult = await outcome if inspect.isawaitable(outcome) else outcome
    body = result_body(ctx, result, query)
    status = 400 if result.data is None and result.errors and not _executed(result) else 200
    return GraphQLAnswer(status, body)


def _executed(result: ExecutionResult) -> bool:
    """False when the errors came before execution (bad variables, unknown operation)."""
    return any(error.path for error in result.errors or [])

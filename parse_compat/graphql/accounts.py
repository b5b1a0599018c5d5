"""The root fields that are not per class, with Parse Server's names and shapes: `health`,
`viewer`, `signUp`, `logIn`, `logInWith`, `logOut`, `resetPassword`, `sendVerificationEmail`,
`callCloudCode` (its `functionName` an enum of the registered cloud functions).

Each replays its REST route (`POST /users`, `POST /login`, `POST /logout`, `GET /users/me`,
`POST /requestPasswordReset`, `POST /verificationEmailRequest`, `POST /functions/<name>`) as the
caller, so signup rules, login lockout, rate limits and validators are the REST ones.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
)

from ..auth.identity import Auth
from ..errors import INVALID_SESSION_TOKEN, OPERATION_FORBIDDEN, ParseError
from .base_types import BaseTypes
from .classes import ClassTypeSet
from .context import GraphQLContext
from .names import GRAPHQL_NAME
from .translate import fields_to_parse


def relay_mutation(name: str, inputs: dict[str, Any], outputs: dict[str, Any], resolve: Any,
                   description: str = "") -> GraphQLField:
    """A Relay mutation: `<name>Input` {…, clientMutationId} → `<name>Payload` {…, clientMutationId}."""
    input_type = GraphQLInputObjectType(f"{name}Input", {
        **{key: value if isinstance(value, GraphQLInputField) else GraphQLInputField(value)
           for key, value in inputs.items()},
        "clientMutationId": GraphQLInputField(GraphQLString)})
    payload = GraphQLObjectType(f"{name}Payload", lambda: {
        **{key: value if isinstance(value, GraphQLField) else GraphQLField(value) for key, value in outputs.items()},
        "clientMutationId": GraphQLField(GraphQLString)})

    async def run(root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        result = await resolve(root, info, input)
        return {**result, "clientMutationId": input.get("clientMutationId")}

    return GraphQLField(payload, args={"input": GraphQLArgument(GraphQLNonNull(input_type))}, resolve=run,
                        description=description or None)


def _context(info: GraphQLResolveInfo) -> GraphQLContext:
    context = info.context
    assert isinstance(context, GraphQLContext)
    return context


async def _viewer_of(context: GraphQLContext, session_token: str | None) -> dict[str, Any]:
    """`{sessionToken, user}` for a session just opened: `GET /users/me` as that session's user."""
    if not session_token:
        # parse-compat: POST /users with the master key opens no session here (Parse's does), so there
        # is no viewer to return; createUser is the master key's way to add users
        raise ParseError(OPERATION_FORBIDDEN, "signUp/logInWith with the master key opens no session: use createUser.")
    sessions = context.ctx.state.services.sessions
    user, token = await sessions.user_for_token(session_token)
    if user is None:
        raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
    as_user = context.ctx.with_auth(Auth(user=user, session_token=token,
                                         installation_id=context.ctx.auth.installation_id))
    me = await context.bridge.as_caller(as_user).call("GET", "/users/me")
    me.pop("sessionToken", None)
    return {"sessionToken": session_token, "user": me}


def root_query_fields(classes: ClassTypeSet) -> dict[str, GraphQLField]:
    fields: dict[str, GraphQLField] = {
        "health": GraphQLField(GraphQLNonNull(GraphQLBoolean), resolve=lambda _root, _info: True,
                               description="The health query can be used to check if the server is up and running."),
    }
    viewer = classes.viewer_type()
    if viewer is not None:
        async def resolve_viewer(_root: Any, info: GraphQLResolveInfo) -> Any:
            context = _context(info)
            if not context.ctx.auth.session_token:
                raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
            me = await context.bridge.call("GET", "/users/me")
            token = me.pop("sessionToken", None) or context.ctx.auth.session_token
            return {"sessionToken": token, "user": me}

        fields["viewer"] = GraphQLField(GraphQLNonNull(viewer), resolve=resolve_viewer,
                                        description="The viewer query can be used to return the current user data.")
    return fields


def user_mutations(classes: ClassTypeSet, base: BaseTypes) -> dict[str, GraphQLField]:
    users = classes.by_class.get("_User")
    viewer = classes.viewer_type()
    if users is None or viewer is None:
        return {}
    viewer_out = {"viewer": GraphQLField(GraphQLNonNull(viewer), description="This is the new user that was "
                                         "created, signed up and returned as a viewer.")}
    ok_out = {"ok": GraphQLField(GraphQLNonNull(GraphQLBoolean), description="It's always true.")}

    async def sign_up(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        context = _context(info)
        body = await fields_to_parse(input.get("fields"), "_User", context.classes, _no_nested)
        created = await context.bridge.call("POST", "/users", body)
        return {"viewer": await _viewer_of(context, created.get("sessionToken"))}

    async def log_in_with(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        context = _context(info)
        body = await fields_to_parse(input.get("fields"), "_User", context.classes, _no_nested)
        created = await context.bridge.call("POST", "/users", {**body, "authData": input["authData"]})
        return {"viewer": await _viewer_of(context, created.get("sessionToken"))}

    async def log_in(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        context = _context(info)
        body = {"username": input["username"], "password": input["password"]}
        if input.get("authData") is not None:
            body["authData"] = input["authData"]
        user = await context.bridge.call("POST", "/login", body)
        return {"viewer": await _viewer_of(context, user["sessionToken"])}

    async def log_out(_root: Any, info: GraphQLResolveInfo, _input: dict[str, Any]) -> Any:
        await _context(info).bridge.call("POST", "/logout")
        return {"ok": True}

    async def reset_password(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        await _context(info).bridge.call("POST", "/requestPasswordReset", {"email": input["email"]})
        return {"ok": True}

    async def send_verification(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        await _context(info).bridge.call("POST", "/verificationEmailRequest", {"email": input["email"]})
        return {"ok": True}

    login_with_fields = GraphQLInputObjectType("UserLoginWithInput", lambda: {
        name: spec for name, spec in users.create_fields.fields.items()
        if name not in ("password", "username", "authData")})
    email = {"email": GraphQLNonNull(GraphQLString)}
    return {
        "signUp": relay_mutation("SignUp", {"fields": users.create_fields}, viewer_out, sign_up,
                                 "The signUp mutation can be used to create and sign up a new user."),
        "logInWith": relay_mutation("LogInWith", {"authData": GraphQLNonNull(base.scalars["Object"]),
                                                  "fields": login_with_fields}, viewer_out, log_in_with),
        "logIn": relay_mutation("LogIn", {"username": GraphQLNonNull(GraphQLString),
                                          "password": GraphQLNonNull(GraphQLString),
                                          "authData": base.scalars["Object"]}, viewer_out, log_in,
                                "The logIn mutation can be used to log in an existing user."),
        "logOut": relay_mutation("LogOut", {}, ok_out, log_out, "The logOut mutation can be used to log out an "
                                                                "existing user."),
        "resetPassword": relay_mutation("ResetPassword", email, ok_out, reset_password),
        "sendVerificationEmail": relay_mutation("SendVerificationEmail", email, ok_out, send_verification),
    }


async def _no_nested(class_name: str, _fields: dict[str, Any]) -> str:
    raise ParseError(106, f"Nested creates of {class_name} are not allowed while signing up.")


def function_names(state: Any) -> list[str]:
    """Registered cloud functions whose names GraphQL can carry (Parse skips the others)."""
    runtime = state.services.cloud
    if runtime is None:
        return []
    return sorted(name for name in runtime.cloud.functions if GRAPHQL_NAME.match(name))


def cloud_code_mutation(names: list[str], base: BaseTypes) -> dict[str, GraphQLField]:
    if not names:
        return {}
    enum = GraphQLEnumType("CloudCodeFunction", {name: name for name in names},
                           description="The CloudCodeFunction enum type contains a list of all available cloud code "
                                       "functions.")

    async def call(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        name = input["functionName"]
        answer = await _context(info).bridge.call("POST", f"/functions/{name}", dict(input.get("params") or {}))
        return {"result": answer.get("result")}

    return {"callCloudCode": relay_mutation(
        "CallCloudCode", {"functionName": GraphQLNonNull(enum), "params": base.scalars["Object"]},
        {"result": GraphQLField(base.scalars["Any"], description="This is the result value of the cloud code "
                                                                 "function execution.")}, call,
        "The callCloudCode mutation can be used to invoke a cloud code function.")}

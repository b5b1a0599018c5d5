"""Validators like Parse's (the third argument of `Parse.Cloud.define` / `beforeSave` / …).

A `Validator` runs before its handler; every failure is a 142 `Validation failed. …` with
Parse's messages. As in Parse, a master-key request skips validation unless
`validate_master_key=True`, and `skip_with_master_key=True` skips the handler as well.
`fields` is a list of required names, or `{name: FieldRule | dict}` with `required`, `type`,
`default`, `options` (a list, or a function returning truthy), `constant` and `error`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..codec.values import json_type_name
from ..errors import VALIDATION_ERROR, ParseError

if TYPE_CHECKING:
    from .requests import CloudRequest

# Parse's type names (and Python's) → the JS `typeof` name Parse reports in its message.
TYPE_NAMES: dict[Any, str] = {
    str: "string", "string": "string", "String": "string",
    int: "number", float: "number", "number": "number", "Number": "number",
    bool: "boolean", "boolean": "boolean", "Boolean": "boolean",
    list: "array", "array": "array", "Array": "array",
    dict: "object", "object": "object", "Object": "object",
}


@dataclass
class FieldRule:
    required: bool = False
    type: Any = None
    default: Any = None
    options: Sequence[Any] | Callable[[Any], Any] | None = None
    constant: bool = False
    error: str | None = None


@dataclass
class Validator:
    require_user: bool = False
    require_master: bool = False
    validate_master_key: bool = False
    skip_with_master_key: bool = False
    require_any_user_roles: Sequence[str] | Callable[[], Any] = ()
    require_all_user_roles: Sequence[str] | Callable[[], Any] = ()
    require_user_keys: Sequence[str] | Mapping[str, FieldRule | dict[str, Any]] = ()
    fields: Sequence[str] | Mapping[str, FieldRule | dict[str, Any]] = field(default_factory=dict)
    custom: Callable[[Any], Any] | None = None  # an extra check: raise, or return False to refuse


VALIDATOR_KEYS = {name for name in Validator.__dataclass_fields__}
CAMEL = {"requireUser": "require_user", "requireMaster": "require_master",
         "validateMasterKey": "validate_master_key", "skipWithMasterKey": "skip_with_master_key",
         "requireAnyUserRoles": "require_any_user_roles", "requireAllUserRoles": "require_all_user_roles",
         "requireUserKeys": "require_user_keys"}


def make_validator(spec: Validator | Mapping[str, Any] | Callable[[Any], Any] | None,
                   **options: Any) -> Validator | None:
    """A Validator from a Validator, a dict (snake_case or Parse's camelCase keys), a function
    (becomes `custom`) and/or keyword options. None when nothing is asked."""
    if spec is None and not options:
        return None
    if isinstance(spec, Validator):
        base: dict[str, Any] = {name: getattr(spec, name) for name in VALIDATOR_KEYS}
    elif callable(spec):
        base = {"custom": spec}
    else:
        base = {CAMEL.get(k, k): v for k, v in dict(spec or {}).items()}
    base.update({CAMEL.get(k, k): v for k, v in options.items()})
    unknown = set(base) - VALIDATOR_KEYS
    if unknown:
        raise TypeError(f"unknown validator option(s): {', '.join(sorted(unknown))}")
    return Validator(**base)


def _rule(raw: FieldRule | Mapping[str, Any]) -> FieldRule:
    return raw if isinstance(raw, FieldRule) else FieldRule(**dict(raw))


def _fail(message: str) -> ParseError:
    return ParseError(VALIDATION_ERROR, message)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _check_options(rule: FieldRule, key: str, value: Any) -> None:
    if rule.options is None:
        return
    if callable(rule.options):
        if not await _maybe_await(rule.options(value)):
            raise _fail(rule.error or f"Validation failed. Invalid value for {key}.")
        return
    options = list(rule.options)
    if value not in options:
        raise _fail(rule.error or f"Validation failed. Invalid option for {key}. Expected: "
                                  f"{', '.join(str(o) for o in options)}")


async def _check_value(rule: FieldRule, key: str, value: Any) -> None:
    if rule.required and value is None:
        raise _fail(f"Validation failed. Please specify data for {key}.")
    if value is None:
        return
    if rule.type is not None:
        expected = TYPE_NAMES.get(rule.type, str(rule.type).lower())
        if json_type_name(value) != expected:
            raise _fail(rule.error or f"Validation failed. Invalid type for {key}. Expected: {expected}")
    await _check_options(rule, key, value)


async def _roles(spec: Sequence[str] | Callable[[], Any]) -> list[str]:
    value = await _maybe_await(spec()) if callable(spec) else spec
    return [str(name) for name in value or ()]


async def _check_fields(validator: Validator, request: CloudRequest) -> None:
    target = getattr(request, "object", None)
    params: dict[str, Any] | None = getattr(request, "params", None)
    if isinstance(validator.fields, Mapping):
        rules = {key: _rule(raw) for key, raw in validator.fields.items()}
    else:
        rules = {key: FieldRule(required=True) for key in validator.fields}

    def value_of(key: str) -> Any:
        if target is not None:
            return target.get(key)
        return (params or {}).get(key)

    for key, rule in rules.items():
        if rule.default is not None and value_of(key) is None:
            if target is not None:
                target.set(key, rule.default)
            elif params is not None:
                params[key] = rule.default
        if rule.constant and target is not None:
            if getattr(request, "original", None) is not None:
                target.revert(key)
            elif rule.default is not None:
                target.set(key, rule.default)
        await _check_value(rule, key, value_of(key))


async def _check_user(validator: Validator, request: CloudRequest) -> None:
    user = request.user
    needs_user = (validator.require_user or validator.require_any_user_roles
                  or validator.require_all_user_roles or validator.require_user_keys)
    if needs_user and user is None:
        raise _fail("Validation failed. Please login to continue.")
    if user is None:
        return
    if isinstance(validator.require_user_keys, Mapping):
        for key, raw in validator.require_user_keys.items():
            await _check_value(_rule(raw), key, user.get(key))
    else:
        for key in validator.require_user_keys:
            if user.get(key) in (None, ""):
                raise _fail(f"Validation failed. Please set data for {key} on your account.")
    any_roles = await _roles(validator.require_any_user_roles)
    all_roles = await _roles(validator.require_all_user_roles)
    if any_roles or all_roles:
        held = set(await request.user_roles())
        if any_roles and not held & set(any_roles):
            raise _fail("Validation failed. User does not match the required roles.")
        if all_roles and not set(all_roles) <= held:
            raise _fail("Validation failed. User does not match all the required roles.")


async def validate(validator: Validator | None, request: CloudRequest) -> bool:
    """Run the checks; False means "skip the handler" (skip_with_master_key on a master request)."""
    if validator is None:
        return True
    if request.master:
        if validator.skip_with_master_key:
            return False
        if not validator.validate_master_key:
            return True
    if validator.require_master and not request.master:
        raise _fail("Validation failed. Master key is required to complete this request.")
    await _check_user(validator, request)
    await _check_fields(validator, request)
    if validator.custom is not None:
        try:
            outcome = await _maybe_await(validator.custom(request))
        except ParseError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failed custom check is a validation error
            raise _fail(str(exc) or "Validation failed.") from exc
        if outcome is False:
            raise _fail("Validation failed.")
    return True

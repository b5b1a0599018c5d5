"""Registration API units: decorators and calls, class aliases, refused registrations, and
hooks that stay on their own app."""

from __future__ import annotations

import pytest

from parse_compat.cloud import Cloud, FieldRule, TriggerRequest, Validator
from parse_compat.cloud.hooks import CONNECT, FILE


def test_decorator_and_call_forms_register_the_same_hook() -> None:
    cloud = Cloud()

    @cloud.define("a", require_user=True, timeout=2)
    async def a(request: object) -> str:
        return "a"

    def b(request: object) -> str:
        return "b"

    assert cloud.define("b", b) is b
    assert a.__name__ == "a"  # the decorator returns the function unchanged
    assert cloud.functions["a"].validator == Validator(require_user=True)
    assert cloud.functions["a"].timeout == 2
    assert cloud.functions["b"].validator is None


def test_triggers_by_class_with_parse_aliases() -> None:
    cloud = Cloud()

    @cloud.before_save("User")
    async def on_user(request: TriggerRequest) -> None: ...

    cloud.after_find("Thing", lambda request: None)
    cloud.before_login(lambda request: None)
    cloud.after_logout(lambda request: None)
    cloud.before_password_reset_request(lambda request: None)
    cloud.before_save_file(lambda request: None)
    cloud.before_connect(lambda request: None)
    cloud.after_event("Thing", lambda request: None)
    assert cloud.has("beforeSave", "_User") and cloud.has("afterFind", "Thing")
    assert cloud.has("beforeLogin", "_User") and cloud.has("afterLogout", "_Session")
    assert cloud.has("beforePasswordResetRequest", "_User")
    assert cloud.has("beforeSave", FILE) and cloud.has("beforeConnect", CONNECT)
    assert cloud.has("afterLiveQueryEvent", "Thing")
    assert not cloud.has("beforeSave", "Thing")


def test_refused_registrations() -> None:
    cloud = Cloud()
    with pytest.raises(ValueError, match="afterLogout"):
        cloud.before_save("_Session", lambda request: None)
    with pytest.raises(ValueError, match="only allowed on _User"):
        cloud.trigger("beforePasswordResetRequest", "Thing", lambda request: None)
    with pytest.raises(ValueError, match="_JobStatus"):
        cloud.after_save("_JobStatus", lambda request: None)
    with pytest.raises(TypeError, match="unknown validator option"):
        cloud.define("x", lambda request: None, require_usr=True)
    with pytest.raises(TypeError, match="callable"):
        cloud.define("y", "not a function")  # type: ignore[arg-type]


def test_validator_forms_parse_camel_case_dict_and_function() -> None:
    cloud = Cloud()
    cloud.define("camel", lambda r: None, validator={"requireUser": True, "fields": ["a"]})
    cloud.define("rule", lambda r: None, fields={"a": FieldRule(required=True)})

    def check(request: object) -> bool:
        return True

    cloud.define("fn", lambda r: None, validator=check)
    camel = cloud.functions["camel"].validator
    assert camel is not None and camel.require_user and camel.fields == ["a"]
    fn = cloud.functions["fn"].validator
    assert fn is not None and fn.custom is check


def test_two_clouds_never_share_hooks() -> None:
    first, second = Cloud(), Cloud()
    first.define("only_here", lambda r: None)
    first.schedule("job", repeat_minutes=5)
    assert "only_here" not in second.functions and second.schedules == []


def test_schedules_keep_their_declaration() -> None:
    cloud = Cloud()
    spec = cloud.schedule("nightly", time_of_day="02:30", days_of_week=[1, 2], params={"x": 1})
    assert spec.job_name == "nightly" and spec.time_of_day == "02:30" and spec.params == {"x": 1}
    assert cloud.schedules == [spec]

"""Cloud code in Python: functions, jobs, triggers and validators, like Parse's, per app.

Writing cloud code
------------------
A cloud code module (``--cloud my_module`` or ``--cloud path/to/file.py``; default: the
``cloud_code`` package) defines one function, ``register(cloud)``. The server builds a fresh
``Cloud`` for each app and calls it; hooks are kept on that object only, so the module holds
no state and two apps in one process never share hooks::

    from parse_compat.cloud import Cloud, ParseError, TriggerRequest

    def register(cloud: Cloud) -> None:
        @cloud.define("hello", require_user=True)
        async def hello(request):
            return f"Hello {request.user.get('username')}"

        @cloud.before_save("Patient", fields={"name": {"required": True, "type": str}})
        async def check(request: TriggerRequest) -> None:
            if request.object.get("phone", "").startswith("000"):
                raise ParseError(142, "bad phone")        # a ParseError keeps its code
            request.object.set("checked", True)           # changes are written

        @cloud.job("cleanup")
        async def cleanup(request):
            await request.message("started")
            stale = await request.sdk.query("Thing").less_than("n", 0).find()
            for thing in stale:
                await request.sdk.delete(thing)
            return f"deleted {len(stale)}"

        cloud.schedule("cleanup", repeat_minutes=60)

Registration: ``define``, ``job``, ``schedule``, ``before_save``, ``after_save``,
``before_delete``, ``after_delete``, ``before_find``, ``after_find``, ``before_login``,
``after_login``, ``after_logout``, ``before_password_reset_request``, and for files / Live Query ``before_save_file`` …
``after_find_file``, ``before_connect``, ``before_subscribe``, ``after_event``,
``on_live_query_event``. Each is a decorator or a call, with validator keywords
(``require_user``, ``require_master``, ``validate_master_key``, ``skip_with_master_key``,
``require_any_user_roles``, ``require_all_user_roles``, ``require_user_keys``, ``fields``,
``custom``) and ``timeout=`` seconds (default ``cloud.timeout`` = 30 s).

Handlers take one request (``TriggerRequest``, ``FindRequest``, ``FunctionRequest``,
``JobRequest``; file and Live Query hooks get a ``HookRequest`` whose ``data`` dict, with
Parse's field names, reads as attributes and may be changed in place or returned replaced)
and may be ``async`` or plain functions (run in a worker thread; use async
handlers to call the SDK). A raised ``ParseError`` keeps its code; anything else becomes
141 (functions, jobs) or 142 (triggers) with its message, and nothing is written. A handler
running past its timeout is abandoned with 124.

``request.sdk`` acts as the caller (``request.sdk.as_master()`` for the master key) through
the same pipeline as REST: ``query(cls)…find()/first()/count()``, ``get``, ``create``,
``update``, ``save``, ``delete``, ``run`` and ``update_if`` (atomic claim, master only). For a
request made with the read-only master key, ``as_master()`` reads only: its writes answer 119.
"""

from ..errors import ParseError
from .hooks import Cloud, ScheduleSpec
from .objects import ParseObject
from .query import Query
from .requests import CloudRequest, FindRequest, FunctionRequest, HookRequest, JobRequest, TriggerRequest
from .sdk import CloudSDK
from .validators import FieldRule, Validator

__all__ = ["Cloud", "CloudRequest", "CloudSDK", "FieldRule", "FindRequest", "FunctionRequest", "HookRequest",
           "JobRequest", "ParseError", "ParseObject", "Query", "ScheduleSpec", "TriggerRequest", "Validator"]

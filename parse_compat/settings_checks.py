"""Boot-time checks of the newer Parse options (protected fields, maintenance key), kept out of
settings.py: each turns a malformed value into one `ValueError` sentence, which the command line
prints before exiting with status 2.
"""

from __future__ import annotations

from typing import Any


def check_maintenance_key(maintenance_key: str | None, master_key: str, read_only_master_key: str | None) -> None:
    """Parse's boot check: the maintenance key is neither the master key nor the read-only one."""
    if not maintenance_key:
        return
    if maintenance_key == master_key:
        raise ValueError("masterKey and maintenanceKey should be different")
    if maintenance_key == read_only_master_key:
        raise ValueError("readOnlyMasterKey and maintenanceKey should be different")


def check_protected_fields(option: Any, user_sensitive_fields: Any = None) -> None:
    """Parse's `protectedFields`: {"ClassName": {"<entity>": ["field", ...]}}; `userSensitiveFields`: a
    list of field names."""
    if user_sensitive_fields is not None and (not isinstance(user_sensitive_fields, list) or not all(
            isinstance(name, str) for name in user_sensitive_fields)):
        raise ValueError("option userSensitiveFields must be a list of field names")
    if option is None:
        return
    if not isinstance(option, dict):
        raise ValueError('option protectedFields must be an object such as {"_User": {"*": ["email"]}}')
    for class_name, entries in option.items():
        if not isinstance(entries, dict):
            raise ValueError(f"option protectedFields.{str(class_name)[:40]} must be an object of user groups")
        for entity, fields in entries.items():
            if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
                raise ValueError(f"option protectedFields.{str(class_name)[:40]}.{str(entity)[:40]} "
                                 "must be a list of field names")

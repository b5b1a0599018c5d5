"""Boot-time checks of the newer Parse options (protected fields, maintenance key, installation), kept out of
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


INSTALLATION_DEFAULTS = {"duplicateDeviceTokenAction": "delete", "duplicateDeviceTokenMergePriority": "deviceToken",
                         "duplicateDeviceTokenActionEnforceAuth": False}
INSTALLATION_CHOICES = {"duplicateDeviceTokenAction": ("delete", "update"),
                        "duplicateDeviceTokenMergePriority": ("deviceToken", "installationId")}


def installation_options(option: Any) -> dict[str, Any]:
    """Parse's `installation` option with its defaults (rest/installation_dedup.py); raises ValueError
    (a boot error) on what cannot be honoured."""
    if option is None:
        return dict(INSTALLATION_DEFAULTS)
    if not isinstance(option, dict):
        raise ValueError("Parse Server option installation must be an object.")
    for key, value in option.items():
        if key not in INSTALLATION_DEFAULTS:
            raise ValueError(f"Parse Server option installation has no key {str(key)[:40]!r}")
        if key in INSTALLATION_CHOICES and value not in INSTALLATION_CHOICES[key]:
            raise ValueError(f"installation.{key} must be one of {', '.join(INSTALLATION_CHOICES[key])}")
        if key == "duplicateDeviceTokenActionEnforceAuth" and value is not False:
            raise ValueError("installation.duplicateDeviceTokenActionEnforceAuth true is not supported: the "
                             "clean-up of duplicate device tokens runs as the server here")
    return {**INSTALLATION_DEFAULTS, **option}


QUERY_KEYS = ("aggregationRawFieldNames", "aggregationRawValues")


def check_query_options(option: Any) -> None:
    """Parse's `query` (QueryServerOptions): both keys are accepted at their default, false. True stops
    the boot: aggregation here runs Parse's pipeline subset over every store (SQLite, PostgreSQL too),
    with Parse's field names and typed values only, never MongoDB's raw names or Extended JSON."""
    if option is None:
        return
    if not isinstance(option, dict):
        raise ValueError("Parse Server option query must be an object.")
    for key, value in option.items():
        if key not in QUERY_KEYS:
            raise ValueError(f"Parse Server option query has no key {str(key)[:40]!r}")
        if not isinstance(value, bool):
            raise ValueError(f"query.{key} must be a boolean.")
        if value:
            raise ValueError(f"query.{key} true is not supported: aggregations here use Parse's field names and "
                             "values, never MongoDB's raw ones")


def check_encryption_key(encryption_key: str | None, file_key: str | None) -> None:
    """Parse's `encryptionKey` (its GridFS files format) and this server's `fileKey` seal files two ways."""
    if encryption_key and file_key:
        raise ValueError("set encryptionKey (Parse's GridFS file encryption) or fileKey, not both")


def check_product_purchase_legacy_api(enabled: bool | None) -> None:
    """Parse's deprecated `enableProductPurchaseLegacyApi`: only false is honoured (README: options that do
    not apply); true, set on purpose, stops the boot rather than promise an API that is not served."""
    if enabled:
        raise ValueError("enableProductPurchaseLegacyApi true is not supported: the legacy _Product / "
                         "/validate_purchase API (Apple's deprecated verifyReceipt service) is not served here")

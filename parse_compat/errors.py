"""Parse error codes and the ParseError exception every layer raises.

The HTTP edge turns a ParseError into Parse's `{"code", "error"}` body with Parse's status:
500 for code 1, 404 for code 101, 400 otherwise (unless `status` overrides it).
"""

from __future__ import annotations

OTHER_CAUSE = -1
INTERNAL_SERVER_ERROR = 1
CONNECTION_FAILED = 100
OBJECT_NOT_FOUND = 101
INVALID_QUERY = 102
INVALID_CLASS_NAME = 103
MISSING_OBJECT_ID = 104
INVALID_KEY_NAME = 105
INVALID_POINTER = 106
INVALID_JSON = 107
COMMAND_UNAVAILABLE = 108
INCORRECT_TYPE = 111
OPERATION_FORBIDDEN = 119
INVALID_NESTED_KEY = 121
INVALID_FILE_NAME = 122
INVALID_ACL = 123
INVALID_EMAIL_ADDRESS = 125
FILE_SAVE_ERROR = 130
INSTALLATION_ERROR = 135
CHANGED_IMMUTABLE_FIELD = 136
DUPLICATE_VALUE = 137
INVALID_ROLE_NAME = 139
SCRIPT_FAILED = 141
VALIDATION_ERROR = 142
DUPLICATE_REQUEST = 159
INVALID_VALUE = 162
USERNAME_MISSING = 200
PASSWORD_MISSING = 201
USERNAME_TAKEN = 202
EMAIL_TAKEN = 203
EMAIL_MISSING = 204
EMAIL_NOT_FOUND = 205
SESSION_MISSING = 206
ACCOUNT_ALREADY_LINKED = 208
INVALID_SESSION_TOKEN = 209
UNSUPPORTED_SERVICE = 252
INVALID_SCHEMA_OPERATION = 255


class ParseError(Exception):
    """An error a client can trigger; rendered as Parse's `{"code", "error"}`."""

    def __init__(self, code: int, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    @property
    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        if self.code == INTERNAL_SERVER_ERROR:
            return 500
        if self.code == OBJECT_NOT_FOUND:
            return 404
        return 400

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "error": self.message}


class Unauthorized(Exception):
    """Parse's bare 403 `{"error": "unauthorized"}` (bad app id, key or master key IP)."""

    def __init__(self, message: str = "unauthorized") -> None:
        super().__init__(message)
        self.message = message


class DuplicateValue(Exception):
    """Raised by a storage adapter when a unique index rejects a write."""

    def __init__(self, field: str) -> None:
        super().__init__(f"duplicate value for {field}")
        self.field = field

"""Server settings, named after Parse Server's options, and how they are merged.

Precedence: CLI flags > environment variables > JSON config file > defaults. Each option has
a Parse Server name (`appId`, `masterKey`, ...) and an environment variable
(`PARSE_SERVER_APPLICATION_ID`, ...). The list below is the single source for `--help`, the
environment and the README's configuration table.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .codec.keywords import DeniedKeyword, denylist_from_option
from .logevents import check_log_levels
from .pages_option import resolve_custom_pages
from .security.clp import ServerProtection
from .security_check import check_security_option
from .settings_checks import (
    check_encryption_key,
    check_maintenance_key,
    check_product_purchase_legacy_api,
    check_protected_fields,
    check_query_options,
    installation_options,
)


@dataclass(frozen=True)
class OptionSpec:
    """One configuration option: its Parse name, environment variable, kind and help."""

    name: str
    env: str
    kind: str  # str | int | bool | list | json | size
    help: str
    default: Any = None


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("appId", "PARSE_SERVER_APPLICATION_ID", "str",
               "Application id; generated and kept in the data directory when unset."),
    OptionSpec("masterKey", "PARSE_SERVER_MASTER_KEY", "str",
               "Master key; generated and kept in the data directory when unset."),
    OptionSpec("masterKeyIps", "PARSE_SERVER_MASTER_KEY_IPS", "list",
               "IPs/CIDRs the master key is honoured from.", ["127.0.0.1", "::1"]),
    OptionSpec("maintenanceKey", "PARSE_SERVER_MAINTENANCE_KEY", "str",
               "Key (header X-Parse-Maintenance-Key) with master power over objects for out-of-band data fixes, "
               "not over master-only routes (schemas, config, hooks, jobs, push, loginAs...). Unset: never "
               "honoured."),
    OptionSpec("maintenanceKeyIps", "PARSE_SERVER_MAINTENANCE_KEY_IPS", "list",
               "IPs/CIDRs the maintenance key is honoured from.", ["127.0.0.1", "::1"]),
    OptionSpec("readOnlyMasterKey", "PARSE_SERVER_READ_ONLY_MASTER_KEY", "str",
               "Key with master read power; every write with it is refused (119)."),
    OptionSpec("readOnlyMasterKeyIps", "PARSE_SERVER_READ_ONLY_MASTER_KEY_IPS", "list",
               "IPs/CIDRs the read-only master key is honoured from (Parse: any; here loopback, as its "
               "docs recommend).", ["127.0.0.1", "::1"]),
    OptionSpec("allowAggregationForReadOnlyMasterKey", "PARSE_SERVER_ALLOW_AGGREGATION_FOR_READ_ONLY_MASTER_KEY",
               "bool", "Let the read-only master key use /aggregate (distinct too); false: 119.", True),
    OptionSpec("routeAllowList", "PARSE_SERVER_ROUTE_ALLOW_LIST", "list",
               "Regexes (anchored) of the routes callers without the master key may use, matched against the "
               "path below the mount without its leading slash (classes/Patient, functions/.*, login); others "
               "answer 119. Files are not covered. Default: unset (every route).", None),
    OptionSpec("databaseURI", "PARSE_SERVER_DATABASE_URI", "str",
               "sqlite:///path/file.db (default ./data/parse.db) or mongodb://...", None),
    OptionSpec("serverURL", "PARSE_SERVER_URL", "str",
               "URL the server is reached at (default http://localhost:<port><mountPath>)."),
    OptionSpec("verifyServerUrl", "PARSE_SERVER_VERIFY_SERVER_URL", "bool",
               "Once listening, GET <serverURL>/health once and log a warning if it does not answer ok (the "
               "server keeps running); false skips it.", True),
    OptionSpec("publicServerURL", "PARSE_PUBLIC_SERVER_URL", "str",
               "Public URL used in links and file URLs (default serverURL)."),
    OptionSpec("mountPath", "PARSE_SERVER_MOUNT_PATH", "str", "Mount path of the API.", "/parse"),
    OptionSpec("port", "PORT", "int", "TCP port.", 1337),
    OptionSpec("host", "PARSE_SERVER_HOST", "str", "Interface to bind.", "0.0.0.0"),
    OptionSpec("cloud", "PARSE_SERVER_CLOUD", "str",
               "Cloud code module or file (default: the cloud_code package).", "cloud_code"),
    OptionSpec("schema", "PARSE_SERVER_SCHEMA", "str",
               "Schema file loaded at boot (JSON schema export).", "schema.json"),
    OptionSpec("maxLimit", "PARSE_SERVER_MAX_LIMIT", "int",
               "Largest limit a query may ask for (default unlimited)."),
    OptionSpec("defaultLimit", "PARSE_SERVER_DEFAULT_LIMIT", "int", "Limit when none is given.", 100),
    OptionSpec("allowClientClassCreation", "PARSE_SERVER_ALLOW_CLIENT_CLASS_CREATION", "bool",
               "Let non-master callers create classes.", False),
    OptionSpec("restAPIKey", "PARSE_SERVER_REST_API_KEY", "str", "REST API key (optional)."),
    OptionSpec("javascriptKey", "PARSE_SERVER_JAVASCRIPT_KEY", "str", "JavaScript key (optional)."),
    OptionSpec("clientKey", "PARSE_SERVER_CLIENT_KEY", "str", "Client key (optional)."),
    OptionSpec("dotNetKey", "PARSE_SERVER_DOT_NET_KEY", "str", "Windows/.NET key (optional)."),
    OptionSpec("allowOrigin", "PARSE_SERVER_ALLOW_ORIGIN", "str", "CORS allowed origin.", "*"),
    OptionSpec("allowHeaders", "PARSE_SERVER_ALLOW_HEADERS", "list", "Extra CORS headers.", []),
    OptionSpec("logLevel", "PARSE_SERVER_LOG_LEVEL", "str", "Log level (error, warn, info, debug).",
               "info"),
    OptionSpec("requestKeywordDenylist", "PARSE_SERVER_REQUEST_KEYWORD_DENYLIST", "json",
               'More keys/values refused (105) anywhere in request data, Parse\'s shape: [{"key": "regex"}, '
               '{"value": "regex" or a number/boolean}, {"key", "value"}]. __proto__, constructor and '
               '_bsontype: "Code" are always refused.'),
    OptionSpec("logLevels", "PARSE_SERVER_LOG_LEVELS", "json",
               'Levels of Parse\'s event lines, e.g. {"cloudFunctionSuccess": "debug", "triggerAfter": "silent"}; keys '
               'cloudFunctionSuccess, cloudFunctionError, triggerBeforeSuccess, triggerBeforeError, triggerAfter, '
               'signupUsernameTaken (Parse\'s defaults: error for the two errors, info otherwise). The lines name '
               'the function or trigger, class and user id, never the input or result.'),
    OptionSpec("maxUploadSize", "PARSE_SERVER_MAX_UPLOAD_SIZE", "size",
               "Largest request body (also JSON), e.g. 20mb.", "20mb"),
    OptionSpec("fileKey", "PARSE_SERVER_FILE_KEY", "str",
               "Encrypts stored files at rest (AES-256-GCM); change it with `parse-compat files rotate-key`."),
    OptionSpec("encryptionKey", "PARSE_SERVER_ENCRYPTION_KEY", "str",
               "Parse's GridFS file encryption (AES-256-GCM, Parse's format): files a Parse server encrypted are "
               "served, new ones are stored so Parse can read them. GridFS only; not with fileKey."),
    OptionSpec("fileUpload", "PARSE_SERVER_FILE_UPLOAD_OPTIONS", "json",
               'Who may upload, Parse 9 defaults: {"enableForPublic": false, "enableForAnonymousUser": false, '
               '"enableForAuthenticatedUser": true, "fileExtensions": [regexes; default refuses html, svg, '
               'xml, js and other types a browser runs]}.'),
    OptionSpec("fileDownload", "PARSE_SERVER_FILE_DOWNLOAD_OPTIONS", "json",
               'Who may download files (the master key always may), Parse\'s defaults: {"enableForPublic": true, '
               '"enableForAnonymousUser": true, "enableForAuthenticatedUser": true}; a refused caller gets 119. '
               'protectedFiles still applies to whoever is let through.'),
    OptionSpec("preserveFileName", "PARSE_SERVER_PRESERVE_FILE_NAME", "bool",
               "Store files under their upload name, without the random prefix; only the master key may replace "
               "an existing name (Parse lets anyone overwrite it).", False),
    OptionSpec("protectedFiles", "PARSE_COMPAT_PROTECTED_FILES", "bool",
               "Downloads need a signed URL (object reads return one), the master key, or a user who can "
               "read an object referencing the file. Default: on when a schema template is loaded."),
    OptionSpec("filesOrigin", "PARSE_COMPAT_FILES_ORIGIN", "str",
               "Origin file URLs point at (e.g. https://files.example.com), served by this same server; "
               "recommended when a web app runs on the API's origin."),
    OptionSpec("filesAdapter", "PARSE_SERVER_FILES_ADAPTER", "str",
               "local (default with SQLite: <dataDir>/files), local:/dir, gridfs (default with MongoDB), "
               "gridfs:mongodb://host/db."),
    OptionSpec("idempotencyOptions", "PARSE_SERVER_EXPERIMENTAL_IDEMPOTENCY_OPTIONS", "json",
               'Idempotent retries, e.g. {"paths": [".*"], "ttl": 300}.'),
    OptionSpec("objectIdSize", "PARSE_SERVER_OBJECT_ID_SIZE", "int", "Length of object ids.", 10),
    OptionSpec("enforcePrivateUsers", "PARSE_SERVER_ENFORCE_PRIVATE_USERS", "bool",
               "New users get no public read ACL.", True),
    OptionSpec("sessionLength", "PARSE_SERVER_SESSION_LENGTH", "int",
               "Session length in seconds (the dental template: 28800).", 31536000),
    OptionSpec("expireInactiveSessions", "PARSE_SERVER_EXPIRE_INACTIVE_SESSIONS", "bool",
               "Sessions get an expiresAt.", True),
    OptionSpec("accountLockout", "PARSE_SERVER_ACCOUNT_LOCKOUT", "json",
               'Lock accounts after failed logins, e.g. {"threshold": 5, "duration": 10}.'),
    OptionSpec("passwordPolicy", "PARSE_SERVER_PASSWORD_POLICY", "json",
               'Password rules, e.g. {"validatorPattern": "^.{8,}$", "doNotAllowUsername": true}.'),
    OptionSpec("emailAdapter", "PARSE_SERVER_EMAIL_ADAPTER", "json",
               'SMTP for account and reminder mail, e.g. {"host": "smtp.example.com", "port": 587, '
               '"from": "clinic@example.com"}; unset: mail is dropped and only counted in the log.'),
    OptionSpec("verifyUserEmails", "PARSE_SERVER_VERIFY_USER_EMAILS", "bool",
               "A changed email clears emailVerified and is sent a verification link.", False),
    OptionSpec("preventLoginWithUnverifiedEmail", "PARSE_SERVER_PREVENT_LOGIN_WITH_UNVERIFIED_EMAIL", "bool",
               "With verifyUserEmails: login answers 205 until the email is verified, and a signup gets no "
               "session token.", False),
    OptionSpec("preventSignupWithUnverifiedEmail", "PARSE_SERVER_PREVENT_SIGNUP_WITH_UNVERIFIED_EMAIL", "bool",
               "With verifyUserEmails and preventLoginWithUnverifiedEmail: a password signup answers 205 (the "
               "account is kept and awaits verification) instead of a user without a session token.", False),
    OptionSpec("sendUserEmailVerification", "PARSE_SERVER_SEND_USER_EMAIL_VERIFICATION", "bool",
               "false: no verification mail is sent (on an email change nor on verificationEmailRequest).", True),
    OptionSpec("extendSessionOnUse", "PARSE_SERVER_EXTEND_SESSION_ON_USE", "bool",
               "A session used after half its sessionLength since it was last written expires a full "
               "sessionLength from then.", False),
    OptionSpec("allowCustomObjectId", "PARSE_SERVER_ALLOW_CUSTOM_OBJECT_ID", "bool",
               "A create may bring its own objectId (a string of at most 128 characters without / or control "
               "characters; empty: 104, taken: 137).", False),
    OptionSpec("enableInsecureAuthAdapters", "PARSE_SERVER_ENABLE_INSECURE_AUTH_ADAPTERS", "bool",
               "Allow a provider's enableInsecureAuth (GitHub: a client-held access token instead of the code "
               "flow); without it such a provider stops the boot.", False),
    OptionSpec("emailVerifyTokenReuseIfValid", "PARSE_SERVER_EMAIL_VERIFY_TOKEN_REUSE_IF_VALID", "bool",
               "A new verification mail while the last link is valid (same address) carries that same link.", False),
    OptionSpec("convertEmailToLowercase", "PARSE_SERVER_CONVERT_EMAIL_TO_LOWERCASE", "bool",
               "A user's email is stored in lower case (signup and updates); queries must then match it.", False),
    OptionSpec("enableCollationCaseComparison", "PARSE_SERVER_ENABLE_COLLATION_CASE_COMPARISON", "bool",
               "No MongoDB collation (for Atlas Serverless, DocumentDB): no case_insensitive_username/email "
               "indexes, user checks by regex. Usernames and emails stay unique ignoring case (Parse: then "
               "case-sensitive).", False),
    OptionSpec("convertUsernameToLowercase", "PARSE_SERVER_CONVERT_USERNAME_TO_LOWERCASE", "bool",
               "A user's username is stored in lower case (signup and updates); queries must then match it.", False),
    OptionSpec("customPages", "PARSE_SERVER_CUSTOM_PAGES", "json",
               'The app\'s own account pages, Parse\'s keys: {"choosePassword", "passwordResetSuccess", '
               '"verifyEmailSuccess", "invalidVerificationLink", "invalidLink"} (http(s) URLs); the emailed '
               'links then redirect there.'),
    OptionSpec("pages", "PARSE_SERVER_PAGES", "json",
               'Parse\'s PagesOptions: {"pagesEndpoint": "apps" (the account pages\' path), "customUrls": '
               '{"passwordReset", "passwordResetSuccess", "passwordResetLinkInvalid", "emailVerificationSuccess", '
               '"emailVerificationLinkInvalid"}}; localization, page files, placeholders, custom routes and '
               'forceRedirect are refused (the pages are built in).'),
    OptionSpec("appName", "PARSE_SERVER_APP_NAME", "str", "The app's name (given to customPages.choosePassword "
               "as app)."),
    OptionSpec("emailVerifyTokenValidityDuration", "PARSE_SERVER_EMAIL_VERIFY_TOKEN_VALIDITY_DURATION", "int",
               "Seconds a verification link works (passwordPolicy.resetTokenValidityDuration: reset "
               "links, default 3600).", 86400),
    OptionSpec("emailVerifySuccessOnInvalidEmail", "PARSE_SERVER_EMAIL_VERIFY_SUCCESS_ON_INVALID_EMAIL", "bool",
               "verificationEmailRequest answers {} for unknown or verified addresses.", True),
    OptionSpec("resetPasswordSuccessOnInvalidEmail", "PARSE_SERVER_RESET_PASSWORD_SUCCESS_ON_INVALID_EMAIL",
               "bool", "requestPasswordReset answers {} for unknown addresses.", True),
    OptionSpec("revokeSessionOnPasswordReset", "PARSE_SERVER_REVOKE_SESSION_ON_PASSWORD_RESET", "bool",
               "A password reset logs the account out everywhere.", True),
    OptionSpec("accountMailInterval", "PARSE_COMPAT_ACCOUNT_MAIL_INTERVAL", "int",
               "At most one reset or verification mail per account per this many seconds.", 60),
    OptionSpec("jobSchedules", "PARSE_COMPAT_JOB_SCHEDULES", "json",
               'Jobs run on a schedule, e.g. [{"jobName": "sendAppointmentReminders", "repeatMinutes": 15}].'),
    OptionSpec("liveQuery", "PARSE_SERVER_LIVE_QUERY", "json", 'Live Query, e.g. {"classNames": []}.'),
    OptionSpec("startLiveQueryServer", "PARSE_SERVER_START_LIVE_QUERY_SERVER", "bool",
               "Serve the Live Query websocket in this process. Default: on (Parse: off unless this or "
               "liveQueryServerOptions is set); false: writes are still published on liveQuery.redisURL."),
    OptionSpec("liveQueryServerOptions", "PARSE_SERVER_LIVE_QUERY_SERVER_OPTIONS", "json",
               'Parse\'s Live Query server options: {"port": its own port for the websocket, "keyPairs", '
               '"websocketTimeout" (ms), "cacheTimeout" (ms a session check is reused), "logLevel"}; appId, masterKey, '
               'serverURL and redisURL only as this server\'s own; pubSubAdapter, wssAdapter, redisOptions refused.'),
    OptionSpec("databaseOptions", "PARSE_SERVER_DATABASE_OPTIONS", "json",
               'Database options, e.g. {"maxTimeMS": 5000}: the time budget of every query in ms (past it: '
               'error 124; default 5000, 0 = none; MongoDB gets it as maxTimeMS).'),
    OptionSpec("allowPublicSignup", "PARSE_COMPAT_ALLOW_PUBLIC_SIGNUP", "bool",
               "Let clients sign up (POST /users without the master key, anonymous users too). Default: true "
               "(Parse's behaviour); the dental template makes it false."),
    OptionSpec("sessionIdleTimeout", "PARSE_COMPAT_SESSION_IDLE_TIMEOUT", "int",
               "Seconds without a request after which a session ends (209). Default: none; the dental "
               "template: 1800."),
    OptionSpec("inviteTokenValidityDuration", "PARSE_COMPAT_INVITE_TOKEN_VALIDITY_DURATION", "int",
               "Seconds an invitation link stays valid. Default: 259200 (3 days)."),
    OptionSpec("auditLog", "PARSE_COMPAT_AUDIT_LOG", "bool",
               "Record reads and writes of the classes schema.json marks \"audit\": true in _Audit. Default: true."),
    OptionSpec("auditRetentionDays", "PARSE_COMPAT_AUDIT_RETENTION_DAYS", "int",
               "Days _Audit entries are kept (older ones are deleted hourly, the chain stays verifiable). "
               "Default: kept forever."),
    OptionSpec("auth", "PARSE_SERVER_AUTH_PROVIDERS", "json",
               'Third-party login providers, Parse\'s shape: {"google": {"clientId": "..."}, "apple": {"clientId": '
               '"..."}, "facebook": {"appIds": ["..."]}, "github": {"clientId", "clientSecret"}, "mfa": {"enabled": '
               'true, "options": ["TOTP"]}, "myAuth": {"module": "my_pkg.my_auth"}}. Only the providers named here '
               'are accepted (README: Third-party login).'),
    OptionSpec("enableAnonymousUsers", "PARSE_SERVER_ENABLE_ANON_USERS", "bool",
               "Let clients sign up and log in with authData.anonymous.", True),
    OptionSpec("mountWebApp", "PARSE_COMPAT_MOUNT_WEB_APP", "bool",
               "Serve the practice's web app at /app (built on the Parse JavaScript SDK; `make webapp`). "
               "Default: on when a schema template is loaded."),
    OptionSpec("dataDir", "PARSE_COMPAT_DATA_DIR", "str",
               "Directory for the SQLite file and generated credentials.", "data"),
    OptionSpec("query", "PARSE_SERVER_QUERY", "json",
               'Parse\'s QueryServerOptions: {"aggregationRawFieldNames": false, "aggregationRawValues": false}; true '
               'is refused (aggregations use Parse\'s field names and values on every store).'),
    OptionSpec("requestComplexity", "PARSE_SERVER_REQUEST_COMPLEXITY", "json",
               'Query limits, Parse 9\'s names (-1 = none): {"includeDepth", "includeCount", "subqueryDepth", '
               '"subqueryLimit", "queryDepth", "batchRequestLimit", "allowRegex", "graphQLDepth", '
               '"graphQLFields"}. Default: none, as Parse; with a schema template, limits on '
               '(parse_compat/rest/complexity.py).'),
    OptionSpec("rateLimit", "PARSE_SERVER_RATE_LIMIT", "json",
               'Rate limits, Parse\'s shape: [{"requestPath": "/login", "requestTimeWindow": 60000, '
               '"requestCount": 10, "requestMethods": ["POST"], "zone": "ip|user|session|global", '
               '"errorResponseMessage", "includeMasterKey", "includeInternalRequests", "redisUrl"}]. '
               'Default: none, as Parse; with a schema template, limits on login, signup, password reset '
               'and verification mail (parse_compat/http/rate_limit.py).'),
    OptionSpec("trustProxy", "PARSE_SERVER_TRUST_PROXY", "json",
               'Reverse proxies whose X-Forwarded-For is believed (JSON): true, a hop count, or a list of '
               'IPs/CIDRs or "loopback", "linklocal", "uniquelocal". Default: none (the socket address).'),
    OptionSpec("push", "PARSE_SERVER_PUSH", "json",
               'Push, Parse\'s shape: {"android": {"firebaseServiceAccount": file or object}, "ios": {"token": '
               '{"key", "keyId", "teamId"}, "topic", "production"}} (FCM HTTP v1, APNs), or {"adapter": '
               '"my_pkg.my_push", ...its options}; "queueOptions": {"batchSize": 100}. Unset: a logging adapter '
               'that sends nothing.'),
    OptionSpec("installation", "PARSE_SERVER_INSTALLATION", "json",
               'Duplicate device tokens, Parse\'s shape and defaults: {"duplicateDeviceTokenAction": "delete" (or '
               '"update": the other row keeps its fields, loses the token), "duplicateDeviceTokenMergePriority": '
               '"deviceToken" (or "installationId"), "duplicateDeviceTokenActionEnforceAuth": false (true refused)}.'),
    OptionSpec("scheduledPush", "PARSE_SERVER_SCHEDULED_PUSH", "bool",
               "Pushes with a future push_time are stored as scheduled and sent when it comes (a time without a "
               "zone is read as UTC).", False),
    OptionSpec("enableProductPurchaseLegacyApi", "PARSE_SERVER_ENABLE_PRODUCT_PURCHASE_LEGACY_API", "bool",
               "Deprecated in Parse: the legacy _Product class and /validate_purchase. Not served here: false is "
               "accepted, true stops the boot (Parse's default is true; README).", False),
    OptionSpec("webhookKey", "PARSE_SERVER_WEBHOOK_KEY", "str",
               "Sent as X-Parse-Webhook-Key with every webhook call (/hooks)."),
    OptionSpec("analyticsAdapter", "PARSE_SERVER_ANALYTICS_ADAPTER", "json",
               'Analytics adapter for POST /events, e.g. "my_pkg.my_analytics". Unset: events are accepted '
               'and dropped.'),
    OptionSpec("enableSanitizedErrorResponse", "PARSE_SERVER_ENABLE_SANITIZED_ERROR_RESPONSE", "bool",
               "Permission errors say only \"Permission denied\" (Parse 9's default); false adds the detail.", True),
    OptionSpec("protectedFields", "PARSE_SERVER_PROTECTED_FIELDS", "json",
               'Fields hidden per class and user group, added to each class\'s CLP protectedFields, e.g. '
               '{"_User": {"*": ["email"]}} (Parse\'s default, always merged in unless protectedFieldsOwnerExempt '
               'is false and the option names _User\'s entry).'),
    OptionSpec("userSensitiveFields", "PARSE_SERVER_USER_SENSITIVE_FIELDS", "list",
               "Deprecated in Parse (use protectedFields): more _User fields hidden from other users, added to "
               "protectedFields._User[\"*\"]."),
    OptionSpec("protectedFieldsOwnerExempt", "PARSE_SERVER_PROTECTED_FIELDS_OWNER_EXEMPT", "bool",
               "A user sees every field of their own _User object; false: protected fields apply to it too.", True),
    OptionSpec("protectedFieldsTriggerExempt", "PARSE_SERVER_PROTECTED_FIELDS_TRIGGER_EXEMPT", "bool",
               "Triggers of an update or delete get the whole stored object; false: request.original (and "
               "request.object) lack the fields protected from the caller.", False),
    OptionSpec("protectedFieldsSaveResponseExempt", "PARSE_SERVER_PROTECTED_FIELDS_SAVE_RESPONSE_EXEMPT", "bool",
               "Create/update answers include protected fields the save changed; false: they are stripped.", True),
    OptionSpec("security", "PARSE_SERVER_SECURITY", "json",
               'Security check, Parse\'s shape: {"enableCheck": false, "enableCheckLog": false, "checkGroups": '
               '["Parse Server Configuration", "Database"]}. enableCheck: the master key may GET /security for a '
               'report of weak settings; with enableCheckLog it is also logged at boot.'),
    OptionSpec("verbose", "VERBOSE", "bool", "Log at the debug level (Parse's verbose).", False),
    OptionSpec("silent", "SILENT", "bool", "No console output.", False),
    OptionSpec("jsonLogs", "JSON_LOGS", "bool",
               'Console lines as JSON objects {"level", "message", "timestamp"}.', False),
    OptionSpec("logsFolder", "PARSE_SERVER_LOGS_FOLDER", "str",
               "Also write parse-server.info and parse-server.err (JSON lines, rotated daily) here. Default: "
               "none (Parse: ./logs)."),
    OptionSpec("maxLogFiles", "PARSE_SERVER_MAX_LOG_FILES", "str",
               'Rotated log files kept in logsFolder: a number, or days as "10d". Default: all.'),
    OptionSpec("cluster", "PARSE_SERVER_CLUSTER", "json",
               "Run this many server processes on the port (true: one per CPU), as --workers does."),
    OptionSpec("mountGraphQL", "PARSE_SERVER_MOUNT_GRAPHQL", "bool",
               "Serve the GraphQL API generated from the classes (Parse's names) at graphQLPath.", False),
    OptionSpec("graphQLPath", "PARSE_SERVER_GRAPHQL_PATH", "str", "Path of the GraphQL API.", "/graphql"),
    OptionSpec("graphQLPublicIntrospection", "PARSE_SERVER_GRAPHQL_PUBLIC_INTROSPECTION", "bool",
               "Let callers without the master key introspect the GraphQL schema (Parse 9 default: false).", False),
    OptionSpec("graphQLSchema", "PARSE_SERVER_GRAPH_QLSCHEMA", "str",
               "SDL file extending the GraphQL schema; @resolve(to: \"fn\") answers a field with a cloud function, "
               "@mock(with: …) with a value."),
    OptionSpec("mountPlayground", "PARSE_SERVER_MOUNT_PLAYGROUND", "bool",
               "Serve a GraphiQL playground (bundled, no CDN) at playgroundPath and the REST explorer at "
               "playgroundPath/rest; neither embeds a key.", False),
    OptionSpec("playgroundPath", "PARSE_SERVER_PLAYGROUND_PATH", "str", "Path of the GraphQL playground.",
               "/playground"),
    OptionSpec("transactionLimits", "PARSE_COMPAT_TRANSACTION_LIMITS", "json",
               'Bounds of a batch with "transaction": true, which holds the write lock: '
               '{"maxRequests": 100, "timeoutMs": 1000}.'),
)


def cluster_size(value: Any) -> int:
    """Parse's `cluster`: true → one process per CPU, a number → that many, unset/false → 1."""
    if value is None or value is False:
        return 1
    if value is True:
        return os.cpu_count() or 1
    if isinstance(value, int) and value >= 1:
        return value
    raise ValueError("option cluster must be true, false or a number of processes")


def check_ip_list(name: str, entries: Any) -> None:
    """A list of IPs/CIDRs (Parse's `...Ips` options); anything else is a boot error."""
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        raise ValueError(f"option {name} must be a list of IP addresses or CIDR ranges")
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"option {name}: {entry[:60]!r} is not an IP address or CIDR range") from None


def check_route_allow_list(patterns: Any) -> None:
    """Parse's `routeAllowList`: unset, or a list of regex strings that compile."""
    if patterns is None:
        return
    if not isinstance(patterns, list) or not all(isinstance(pattern, str) for pattern in patterns):
        raise ValueError("option routeAllowList must be a list of regex strings")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error:
            raise ValueError(f"option routeAllowList: {pattern[:60]!r} is not a valid regex") from None


FILE_DOWNLOAD_KEYS = ("enableForPublic", "enableForAnonymousUser", "enableForAuthenticatedUser")


def check_file_download(option: Any) -> None:
    """Parse's `fileDownload`: an object of the three booleans (each optional)."""
    if option is None:
        return
    if not isinstance(option, dict):
        raise ValueError("option fileDownload must be an object")
    for key, value in option.items():
        if key not in FILE_DOWNLOAD_KEYS:
            raise ValueError(f"option fileDownload: unknown key {str(key)[:40]!r}")
        if not isinstance(value, bool):
            raise ValueError(f"option fileDownload.{key} must be true or false")


def parse_size(value: str | int) -> int:
    """'20mb' → bytes (Parse's maxUploadSize notation)."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "b": 1}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def coerce(spec: OptionSpec, raw: Any) -> Any:
    """Turn a string (from env or CLI) into the option's type; pass typed values through."""
    if raw is None:
        return None
    if spec.kind == "int":
        return int(raw)
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            # parse-compat: Parse's booleanParser takes any other word as false; a typo is a boot error here
            raise ValueError("not a boolean")
        return word in TRUE_WORDS
    if spec.kind == "list":
        if isinstance(raw, list):
            return raw
        text = str(raw).strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    if spec.kind == "json":
        return json.loads(raw) if isinstance(raw, str) else raw
    if spec.kind == "size":
        return parse_size(raw)
    return str(raw)


@dataclass
class Settings:
    """Resolved configuration of one app."""

    appId: str = ""
    masterKey: str = ""
    masterKeyIps: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    readOnlyMasterKey: str | None = None
    maintenanceKey: str | None = None
    maintenanceKeyIps: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    # parse-compat: Parse's default is any address; loopback here, as Parse's docs recommend.
    readOnlyMasterKeyIps: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    allowAggregationForReadOnlyMasterKey: bool = True
    routeAllowList: list[str] | None = None
    requestKeywordDenylist: list[dict[str, Any]] | None = None
    denied_keywords: tuple[DeniedKeyword, ...] = field(init=False, default=(), repr=False)  # compiled from it
    databaseURI: str | None = None
    serverURL: str | None = None
    publicServerURL: str | None = None
    verifyServerUrl: bool = True
    mountPath: str = "/parse"
    port: int = 1337
    host: str = "0.0.0.0"
    cloud: str | None = "cloud_code"
    schema: str | None = "schema.json"
    maxLimit: int | None = None
    defaultLimit: int = 100
    allowClientClassCreation: bool = False
    restAPIKey: str | None = None
    javascriptKey: str | None = None
    clientKey: str | None = None
    dotNetKey: str | None = None
    allowOrigin: str = "*"
    allowHeaders: list[str] = field(default_factory=list)
    logLevel: str = "info"
    logLevels: dict[str, str] | None = None
    maxUploadSize: int = 20 * 1024 * 1024
    fileKey: str | None = None
    encryptionKey: str | None = None
    fileUpload: dict[str, Any] | None = None
    fileDownload: dict[str, Any] | None = None
    preserveFileName: bool = False
    protectedFiles: bool | None = None
    filesAdapter: str | None = None
    filesOrigin: str | None = None
    idempotencyOptions: dict[str, Any] | None = None
    objectIdSize: int = 10
    enforcePrivateUsers: bool = True
    sessionLength: int | None = None  # None: Parse's default (one year) unless the cloud code's defaults set it
    expireInactiveSessions: bool = True
    liveQuery: dict[str, Any] | None = None
    startLiveQueryServer: bool | None = None  # None: served (Parse: not started)
    liveQueryServerOptions: dict[str, Any] | None = None
    dataDir: str = "data"
    accountLockout: dict[str, Any] | None = None
    emailAdapter: dict[str, Any] | None = None
    jobSchedules: list[dict[str, Any]] | None = None
    passwordPolicy: dict[str, Any] | None = None
    databaseOptions: dict[str, Any] | None = None
    verifyUserEmails: bool = False
    emailVerifyTokenValidityDuration: int = 86400
    emailVerifySuccessOnInvalidEmail: bool = True
    resetPasswordSuccessOnInvalidEmail: bool = True
    revokeSessionOnPasswordReset: bool = True
    accountMailInterval: int = 60
    requestComplexity: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    rateLimit: list[dict[str, Any]] | dict[str, Any] | None = None
    trustProxy: Any = None
    transactionLimits: dict[str, Any] | None = None
    allowPublicSignup: bool | None = None  # None: Parse's default (true) unless the cloud code's defaults set it
    sessionIdleTimeout: int | None = None
    inviteTokenValidityDuration: int | None = None
    auditLog: bool = True
    auth: dict[str, Any] | None = None
    enableAnonymousUsers: bool = True
    auditRetentionDays: int | None = None
    push: dict[str, Any] | None = None
    scheduledPush: bool = False
    installation: dict[str, Any] | None = None
    webhookKey: str | None = None
    enableProductPurchaseLegacyApi: bool = False  # parse-compat: Parse's default is true; the API is not served
    analyticsAdapter: Any = None
    enableSanitizedErrorResponse: bool = True
    security: dict[str, Any] | None = None
    verbose: bool = False
    silent: bool = False
    jsonLogs: bool = False
    logsFolder: str | None = None
    maxLogFiles: str | None = None
    cluster: bool | int | None = None
    preventLoginWithUnverifiedEmail: bool = False
    preventSignupWithUnverifiedEmail: bool = False
    sendUserEmailVerification: bool = True
    extendSessionOnUse: bool = False
    allowCustomObjectId: bool = False
    enableInsecureAuthAdapters: bool = False
    emailVerifyTokenReuseIfValid: bool = False
    convertEmailToLowercase: bool = False
    convertUsernameToLowercase: bool = False
    enableCollationCaseComparison: bool = False
    customPages: dict[str, Any] | None = None
    pages: dict[str, Any] | None = None
    appName: str | None = None
    mountGraphQL: bool = False
    graphQLPath: str = "/graphql"
    graphQLPublicIntrospection: bool = False
    graphQLSchema: str | None = None
    mountPlayground: bool = False
    playgroundPath: str = "/playground"
    mountWebApp: bool | None = None  # None: on when a schema template is loaded
    protectedFields: dict[str, Any] | None = None  # None: Parse's default, {"_User": {"*": ["email"]}}
    protectedFieldsOwnerExempt: bool = True
    userSensitiveFields: list[str] | None = None
    protectedFieldsTriggerExempt: bool = False
    protectedFieldsSaveResponseExempt: bool = True
    field_protection: ServerProtection = field(init=False, repr=False)  # merged from the two above

    def __post_init__(self) -> None:
        self.mountPath = "/" + self.mountPath.strip("/") if self.mountPath.strip("/") else ""
        self.graphQLPath = "/" + self.graphQLPath.strip("/")
        self.playgroundPath = "/" + self.playgroundPath.strip("/")
        if not self.databaseURI:
            self.databaseURI = f"sqlite:///{Path(self.dataDir) / 'parse.db'}"
        if not self.serverURL:
            self.serverURL = f"http://localhost:{self.port}{self.mountPath}"
        if not self.publicServerURL:
            self.publicServerURL = self.serverURL
        for name in ("masterKeyIps", "readOnlyMasterKeyIps", "maintenanceKeyIps"):
            check_ip_list(name, getattr(self, name))
        check_route_allow_list(self.routeAllowList)
        check_file_download(self.fileDownload)
        check_log_levels(self.logLevels)
        self.denied_keywords = denylist_from_option(self.requestKeywordDenylist)
        check_protected_fields(self.protectedFields, self.userSensitiveFields)
        check_security_option(self.security)
        installation_options(self.installation)
        check_query_options(self.query)
        check_encryption_key(self.encryptionKey, self.fileKey)
        check_product_purchase_legacy_api(self.enableProductPurchaseLegacyApi)
        resolve_custom_pages(self.pages, self.customPages)  # Parse's pages: what cannot be honoured stops the boot
        check_maintenance_key(self.maintenanceKey, self.masterKey, self.readOnlyMasterKey)
        self.field_protection = ServerProtection.from_options(self.protectedFields, self.protectedFieldsOwnerExempt,
                                                              self.userSensitiveFields)

    @property
    def client_keys(self) -> dict[str, str]:
        """The configured client keys by kind; empty means the app id alone is enough."""
        keys = {"restAPIKey": self.restAPIKey, "javascriptKey": self.javascriptKey,
                "clientKey": self.clientKey, "dotNetKey": self.dotNetKey}
        return {kind: value for kind, value in keys.items() if value}


def resolve(cli: dict[str, Any], env: dict[str, str] | None = None,
            config_file: str | None = None) -> dict[str, Any]:
    """Merge CLI > env > file > defaults into raw option values (not yet a Settings)."""
    source: Mapping[str, str] = os.environ if env is None else env
    merged: dict[str, Any] = {}
    if config_file:
        with open(config_file, encoding="utf-8") as handle:
            file_values = json.load(handle)
        if not isinstance(file_values, dict):
            raise ValueError(f"{config_file}: the config file must hold a JSON object")
        known = {spec.name for spec in OPTIONS}
        for key, value in file_values.items():
            if key in known:
                merged[key] = value
    for spec in OPTIONS:
        if spec.env in source and source[spec.env] != "":
            merged[spec.name] = source[spec.env]
        if cli.get(spec.name) is not None:
            merged[spec.name] = cli[spec.name]
    by_name = {spec.name: spec for spec in OPTIONS}
    values: dict[str, Any] = {}
    for name, value in merged.items():
        try:
            values[name] = coerce(by_name[name], value)
        except (ValueError, TypeError) as exc:  # the value itself is not repeated: it may be a secret
            raise ValueError(f"option {name} ({by_name[name].env}) must be {KIND_WORDS[by_name[name].kind]}") from exc
    return values


KIND_WORDS = {"int": "a whole number", "bool": "true or false", "list": "a comma-separated list or a JSON array",
              "json": "valid JSON", "size": "a size such as 20mb", "str": "a string"}


def load_or_create_credentials(data_dir: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Fill a missing appId / masterKey from `<dataDir>/credentials.json`, creating it once."""
    if values.get("appId") and values.get("masterKey"):
        return values
    path = data_dir / "credentials.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for key, factory in (("appId", lambda: "app-" + secrets.token_hex(8)),
                         ("masterKey", lambda: secrets.token_urlsafe(24))):
        if not values.get(key):
            if key not in stored:
                stored[key] = factory()
                changed = True
            values[key] = stored[key]
    if changed:
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return values


def build_settings(values: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in known and v is not None})

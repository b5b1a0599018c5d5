"""The server's command line: every Parse option as `--name`, plus the config file and `--workers`.

Shared by `parse-compat` (cli.py) and `parse-compat admin create` (admin_cli.py).
"""

from __future__ import annotations

import argparse

from .settings import OPTIONS

# `--help` sections, after the parts of Parse Server's configuration guide; an option not named
# here is listed under "Other options".
HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Basic options", ("appId", "appName", "masterKey", "databaseURI", "port", "host", "serverURL", "publicServerURL",
                       "verifyServerUrl", "mountPath", "cloud", "schema", "dataDir", "cluster")),
    ("Keys and access", ("masterKeyIps", "maintenanceKey", "maintenanceKeyIps", "readOnlyMasterKey", "restAPIKey",
                         "javascriptKey", "clientKey",
                         "dotNetKey", "webhookKey", "allowClientClassCreation", "enforcePrivateUsers",
                         "allowOrigin", "allowHeaders", "trustProxy", "enableSanitizedErrorResponse",
                         "readOnlyMasterKeyIps", "allowAggregationForReadOnlyMasterKey", "routeAllowList",
                         "requestKeywordDenylist", "protectedFields", "userSensitiveFields",
                         "protectedFieldsOwnerExempt", "protectedFieldsTriggerExempt",
                         "protectedFieldsSaveResponseExempt", "security")),
    ("Users, sessions and email", ("sessionLength", "expireInactiveSessions", "accountLockout", "passwordPolicy",
                                   "emailAdapter", "verifyUserEmails", "preventLoginWithUnverifiedEmail", "customPages",
                                   "pages", "emailVerifyTokenValidityDuration",
                                   "emailVerifySuccessOnInvalidEmail", "resetPasswordSuccessOnInvalidEmail",
                                   "revokeSessionOnPasswordReset", "preventSignupWithUnverifiedEmail",
                                   "sendUserEmailVerification", "emailVerifyTokenReuseIfValid", "extendSessionOnUse",
                                   "convertEmailToLowercase", "convertUsernameToLowercase",
                                   "enableCollationCaseComparison",
                                   "enableInsecureAuthAdapters", "allowCustomObjectId")),
    ("Files", ("maxUploadSize", "fileKey", "encryptionKey", "fileUpload", "filesAdapter",
               "fileDownload", "preserveFileName")),
    ("Push and analytics", ("push", "scheduledPush", "installation", "analyticsAdapter",
                            "enableProductPurchaseLegacyApi")),
    ("Logging", ("logLevel", "verbose", "silent", "jsonLogs", "logsFolder", "maxLogFiles",
                 "logLevels")),
    ("Queries and limits", ("maxLimit", "defaultLimit", "query", "databaseOptions", "requestComplexity", "rateLimit",
                            "idempotencyOptions", "objectIdSize")),
    ("Live Query", ("liveQuery", "startLiveQueryServer", "liveQueryServerOptions")),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parse-compat",
        description="A Parse Server compatible backend. Options: CLI > environment > config file.",
    )
    parser.add_argument("config", nargs="?", help="optional JSON config file with Parse option names")
    by_name = {spec.name: spec for spec in OPTIONS}
    placed: set[str] = set()
    sections = [(title, [by_name[n] for n in names if n in by_name]) for title, names in HELP_GROUPS]
    for _title, specs in sections:
        placed.update(spec.name for spec in specs)
    sections.append(("Other options", [spec for spec in OPTIONS if spec.name not in placed]))
    for title, specs in sections:
        group = parser.add_argument_group(title)
        for spec in specs:
            default = f" Default: {spec.default!r}." if spec.default not in (None, []) else ""
            group.add_argument(f"--{spec.name}", dest=spec.name, default=None,
                               help=f"{spec.help}{default} Env: {spec.env}.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Server processes sharing the port (SO_REUSEPORT); with Live Query, also set "
                             "liveQuery.redisURL. Default: 1.")
    return parser

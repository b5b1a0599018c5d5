"""Parse's `pages` option (PagesOptions), mapped onto the account pages of `http/pages.py`.

Honoured: `pagesEndpoint` (default "apps": the links in account mail and the pages' routes are
`<publicServerURL>/<pagesEndpoint>/<appId>/verify_email|request_password_reset`) and `customUrls`,
which send the browser to the app's own pages as `customPages` does:

    passwordReset → choosePassword, passwordResetSuccess → passwordResetSuccess,
    passwordResetLinkInvalid → invalidLink, emailVerificationSuccess → verifyEmailSuccess,
    emailVerificationLinkInvalid → invalidVerificationLink.

Refused at boot (one sentence) rather than ignored: `emailVerificationLinkExpired` (an expired link
is an invalid one here), `emailVerificationSendSuccess` / `emailVerificationSendFail` (there is no
resend-verification page), and any non-default `enableLocalization`, `localizationJsonPath`,
`localizationFallbackLocale`, `pagesPath`, `placeholders`, `customRoutes`, `forceRedirect` or
`encodePageParamHeaders` (this server's pages are built in, not files to localize or replace).
"""

from __future__ import annotations

import re
from typing import Any

CUSTOM_URLS = {"passwordReset": "choosePassword", "passwordResetSuccess": "passwordResetSuccess",
               "passwordResetLinkInvalid": "invalidLink", "emailVerificationSuccess": "verifyEmailSuccess",
               "emailVerificationLinkInvalid": "invalidVerificationLink"}
REFUSED_URLS = {"emailVerificationLinkExpired": "an expired link is an invalid one here (use "
                                                "emailVerificationLinkInvalid)",
                "emailVerificationSendSuccess": "there is no resend-verification page here",
                "emailVerificationSendFail": "there is no resend-verification page here"}
DEFAULTS: dict[str, Any] = {"enableLocalization": False, "localizationJsonPath": None,
                            "localizationFallbackLocale": "en", "pagesPath": None, "placeholders": {},
                            "customRoutes": [], "forceRedirect": False, "encodePageParamHeaders": False}
ENDPOINT = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


def pages_endpoint(option: Any) -> str:
    """The path segment(s) of the account pages, Parse's default "apps"."""
    endpoint = (option or {}).get("pagesEndpoint", "apps") if isinstance(option, dict) else "apps"
    return str(endpoint).strip("/")


def resolve_custom_pages(option: Any, custom_pages: Any) -> Any:
    """`customPages` with `pages.customUrls` added under customPages' names; raises ValueError on what
    cannot be honoured. Leaves a malformed `customPages` for its own check to report."""
    if option is None:
        return custom_pages
    if not isinstance(option, dict):
        raise ValueError("Parse Server option pages must be an object.")
    for key, value in option.items():
        if key in DEFAULTS:
            if value != DEFAULTS[key]:
                raise ValueError(f"pages.{key} is not supported: this server's account pages are built in "
                                 "(use pages.customUrls or customPages for your own)")
        elif key == "pagesEndpoint":
            if not isinstance(value, str) or not ENDPOINT.match(value.strip("/")):
                raise ValueError("pages.pagesEndpoint must be a path such as apps")
        elif key != "customUrls":
            raise ValueError(f"Parse Server option pages has no key {str(key)[:40]!r}")
    urls = option.get("customUrls") or {}
    if not isinstance(urls, dict):
        raise ValueError("pages.customUrls must be an object of page URLs")
    merged = dict(custom_pages) if isinstance(custom_pages, dict) else custom_pages
    for key, url in urls.items():
        if key in REFUSED_URLS:
            raise ValueError(f"pages.customUrls.{key} is not supported: {REFUSED_URLS[key]}")
        if key not in CUSTOM_URLS:
            raise ValueError(f"pages.customUrls has no page {str(key)[:40]!r}")
        if not isinstance(merged, dict):
            merged = {}
        target = CUSTOM_URLS[key]
        if target in merged and merged[target] != url:
            raise ValueError(f"pages.customUrls.{key} and customPages.{target} disagree")
        merged[target] = url
    return merged

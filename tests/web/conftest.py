"""Web page tests reuse the API fixtures (a real loopback server per adapter)."""

from tests.api.conftest import adapter_name, api, postgres_database, settings_overrides  # noqa: F401

from .browser import browser, page  # noqa: F401

"""Parse's `query` option (QueryServerOptions) and enableProductPurchaseLegacyApi (issue 14, deliverable
6): accepted at the values this server honours; anything else stops the boot with one sentence."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.settings import Settings, resolve


def test_defaults_are_accepted_from_the_environment() -> None:
    raw = '{"aggregationRawFieldNames": false, "aggregationRawValues": false}'
    values = resolve({}, env={"PARSE_SERVER_QUERY": raw})
    assert Settings(appId="a", masterKey="m", **values).query == {"aggregationRawFieldNames": False,
                                                                  "aggregationRawValues": False}


@pytest.mark.parametrize(("option", "message"), [
    ({"aggregationRawFieldNames": True}, "query.aggregationRawFieldNames true is not supported"),
    ({"aggregationRawValues": True}, "query.aggregationRawValues true is not supported"),
    ({"aggregationRawValues": "yes"}, "query.aggregationRawValues must be a boolean"),
    ({"rawValues": False}, "query has no key 'rawValues'"),
    ([], "query must be an object"),
])
def test_what_cannot_be_honoured_stops_the_boot(option: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", query=option)


def test_product_purchase_legacy_api_false_only() -> None:
    # Parse's enableProductPurchaseLegacyApi (deprecated): the API is not served, so only false is honoured.
    values = resolve({}, env={"PARSE_SERVER_ENABLE_PRODUCT_PURCHASE_LEGACY_API": "false"})
    assert Settings(appId="a", masterKey="m", **values).enableProductPurchaseLegacyApi is False
    with pytest.raises(ValueError, match="enableProductPurchaseLegacyApi true is not supported"):
        Settings(appId="a", masterKey="m", **resolve({"enableProductPurchaseLegacyApi": "true"}, env={}))

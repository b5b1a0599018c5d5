"""The OAuth 1.0a signature of the twitter adapter, checked against Twitter's published example
("Creating a signature", developer documentation)."""

from __future__ import annotations

from parse_compat.auth.adapters.twitter import oauth1_signature


def test_twitter_documentation_example() -> None:
    params = {
        "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
        "include_entities": "true",
        "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
        "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1318622958",
        "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "oauth_version": "1.0",
    }
    signature = oauth1_signature("POST", "https://api.twitter.com/1.1/statuses/update.json", params,
                                 "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                                 "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
    assert signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="

"""One aiohttp server on 127.0.0.1 playing Apple, Google, Facebook, GitHub, Microsoft Graph and an
OAuth2 introspection endpoint, with real RSA keys made for the test.

`FakeProviders.auth_options()` is the `auth` option pointing every provider at it; `id_token()`
mints signed ID tokens (with any claim or key changed for negative cases); `hits` counts requests
per path (JWKS caching).
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from parse_compat.auth.adapters.twitter import oauth1_signature

APPLE_CLIENT = "com.example.app"
GOOGLE_CLIENT = "google-client.apps.example"
FACEBOOK_APP = "fb-app-1"
GITHUB_CLIENT, GITHUB_SECRET = "gh-client", "gh-secret"
ISSUERS = {"apple": "https://appleid.apple.com", "google": "https://accounts.google.com",
           "facebook": "https://www.facebook.com"}
TWITTER_APPS = {"tw-key-1": "tw-secret-1", "tw-key-2": "tw-secret-2"}
AUDIENCES = {"apple": APPLE_CLIENT, "google": GOOGLE_CLIENT, "facebook": FACEBOOK_APP}


class FakeProviders:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # never published
        self.published: dict[str, Any] = {"k1": self.key}  # kid → key served in the JWKS
        self.hits: Counter[str] = Counter()
        self.facebook_tokens: dict[str, str] = {}  # access token → facebook user id
        self.facebook_app_id = FACEBOOK_APP
        self.github_codes: dict[str, int] = {}  # code → github user id
        self.github_tokens: dict[str, int] = {}
        self.microsoft_tokens: dict[str, str] = {}
        self.oauth2_tokens: dict[str, dict[str, Any]] = {}
        self.play_tokens: dict[str, str] = {}  # access token → player id
        self.keycloak_tokens: dict[str, dict[str, Any]] = {}  # access token → userinfo
        self.twitter_tokens: dict[str, tuple[str, str]] = {}  # oauth token → (token secret, user id)
        self._game_center_certs()
        self._runner: web.AppRunner | None = None
        self.base = ""

    # --- tokens ---------------------------------------------------------------------------
    def id_token(self, provider: str, sub: str, *, key: Any = None, kid: str = "k1", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUERS[provider], "aud": AUDIENCES[provider], "sub": sub, "iat": now, "exp": now + 600}
        body.update(claims)
        signing = key or self.published.get(kid, self.key)
        return jwt.encode(body, signing, algorithm="RS256", headers={"kid": kid})

    def auth_options(self, **extra: Any) -> dict[str, Any]:
        b = self.base
        options: dict[str, Any] = {
            "apple": {"clientId": APPLE_CLIENT, "jwksUrl": f"{b}/apple/auth/keys"},
            "google": {"clientId": GOOGLE_CLIENT, "jwksUrl": f"{b}/google/oauth2/v3/certs"},
            "facebook": {"appIds": [FACEBOOK_APP], "clientId": FACEBOOK_APP, "graphUrl": f"{b}/graph/",
                         "jwksUrl": f"{b}/facebook/jwks/"},
            "github": {"clientId": GITHUB_CLIENT, "clientSecret": GITHUB_SECRET, "tokenUrl": f"{b}/github/token",
                       "apiUrl": f"{b}/github/api"},
            "microsoft": {"graphUrl": f"{b}/msgraph"},
            "linkedin": {"apiUrl": f"{b}/slow", "timeout": 0.5},  # a provider that never answers in time
            "gpgames": {"apiUrl": f"{b}/play"},
            "gcenter": {"rootCertificateUrl": f"{b}/gc/root.pem",
                        "publicKeyUrlPattern": rf"^{re.escape(b)}/gc/[a-z]+\.cer$"},
            "twitter": [{"consumer_key": key, "consumer_secret": secret, "apiUrl": f"{b}/twitter"}
                        for key, secret in TWITTER_APPS.items()],
            "keycloak": {"config": {"auth-server-url": f"{b}/keycloak", "realm": "clinic"}},
        }
        options.update(extra)
        return options

    # --- the server -----------------------------------------------------------------------
    def rotate(self) -> None:
        """Publishes a new key `k2` (and stops publishing `k1`), as providers rotate keys."""
        self.published = {"k2": rsa.generate_private_key(public_exponent=65537, key_size=2048)}

    def _jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.published.items():
            public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    async def _keys(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        return web.json_response(self._jwks(), headers={"Cache-Control": "public, max-age=600"})

    async def _graph(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        token = request.query.get("access_token", "")
        if token not in self.facebook_tokens:
            return web.json_response({"error": {"message": "Invalid OAuth access token."}}, status=400)
        if request.match_info["what"] == "app":
            return web.json_response({"id": self.facebook_app_id})
        return web.json_response({"id": self.facebook_tokens[token]})

    async def _github_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != GITHUB_CLIENT or form.get("client_secret") != GITHUB_SECRET:
            return web.json_response({"error": "incorrect_client_credentials"})
        user = self.github_codes.pop(str(form.get("code")), None)
        if user is None:
            return web.json_response({"error": "bad_verification_code"})
        token = f"gho_{user}_{len(self.github_tokens)}"
        self.github_tokens[token] = user
        return web.json_response({"access_token": token, "token_type": "bearer"})

    def _bearer(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        return header.split(" ", 1)[1] if " " in header else ""

    async def _github_user(self, request: web.Request) -> web.Response:
        user = self.github_tokens.get(self._bearer(request))
        if user is None:
            return web.json_response({"message": "Bad credentials"}, status=401)
        return web.json_response({"id": user, "login": f"octo{user}"})

    async def _microsoft_me(self, request: web.Request) -> web.Response:
        user = self.microsoft_tokens.get(self._bearer(request))
        if user is None:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        return web.json_response({"id": user})

    async def _play_player(self, request: web.Request) -> web.Response:
        player = self.play_tokens.get(request.query.get("access_token", ""))
        if player is None or player != request.match_info["player"]:
            return web.json_response({"error": {"code": 401}}, status=401)
        return web.json_response({"kind": "games#player", "playerId": player})

    async def _keycloak_userinfo(self, request: web.Request) -> web.Response:
        info = self.keycloak_tokens.get(self._bearer(request))
        if info is None or request.match_info["realm"] != "clinic":
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(info)

    async def _twitter_verify(self, request: web.Request) -> web.Response:
        """Checks the OAuth 1.0a signature (the signing function is pinned to Twitter's published
        example by tests/unit/test_oauth1_signature.py)."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return web.json_response({"errors": [{"code": 215}]}, status=400)
        oauth = {unquote(k.strip()): unquote(v.strip().strip('"'))
                 for k, v in (part.split("=", 1) for part in header[6:].split(","))}
        known = self.twitter_tokens.get(oauth.get("oauth_token", ""))
        consumer_secret = TWITTER_APPS.get(oauth.get("oauth_consumer_key", ""))
        if known is None or consumer_secret is None:
            return web.json_response({"errors": [{"code": 89}]}, status=401)
        signature = oauth.pop("oauth_signature", "")
        url = f"{self.base}{request.path}"
        if signature != oauth1_signature("GET", url, {**dict(request.query), **oauth}, consumer_secret, known[0]):
            return web.json_response({"errors": [{"code": 32}]}, status=401)
        return web.json_response({"id_str": known[1], "screen_name": "someone"})

    # --- Game Center: a root CA, a leaf it issued, and a leaf a rogue CA issued ---------------------
    def _game_center_certs(self) -> None:
        self.gc_root_key, self.gc_root = self._certificate("Fake Root CA", None, None)
        self.gc_leaf_key, self.gc_leaf = self._certificate("Game Center Leaf", self.gc_root_key, self.gc_root)
        rogue_key, rogue = self._certificate("Rogue CA", None, None)
        self.gc_rogue_key, self.gc_rogue_leaf = self._certificate("Rogue Leaf", rogue_key, rogue)

    @staticmethod
    def _certificate(name: str, issuer_key: Any, issuer: Any) -> tuple[Any, x509.Certificate]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        builder = (x509.CertificateBuilder().subject_name(subject)
                   .issuer_name(issuer.subject if issuer is not None else subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30)))
        return key, builder.sign(issuer_key or key, hashes.SHA256())

    def game_center(self, player: str, bundle: str = "com.example.game", *, rogue: bool = False,
                    url: str | None = None) -> dict[str, Any]:
        """authData as GameKit makes it, signed by the leaf key."""
        timestamp, salt = int(time.time() * 1000), b"salt-1234"
        payload = player.encode() + bundle.encode() + timestamp.to_bytes(8, "big") + salt
        key = self.gc_rogue_key if rogue else self.gc_leaf_key
        signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        return {"id": player, "bundleId": bundle, "timestamp": timestamp, "salt": base64.b64encode(salt).decode(),
                "signature": base64.b64encode(signature).decode(),
                "publicKeyUrl": url or f"{self.base}/gc/{'rogue' if rogue else 'leaf'}.cer"}

    async def _gc_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "root.pem":
            return web.Response(body=self.gc_root.public_bytes(serialization.Encoding.PEM),
                                content_type="application/x-pem-file")
        cert = {"leaf.cer": self.gc_leaf, "rogue.cer": self.gc_rogue_leaf}.get(name)
        if cert is None:
            return web.Response(status=404)
        self.hits[request.path] += 1
        return web.Response(body=cert.public_bytes(serialization.Encoding.DER), content_type="application/pkix-cert",
                            headers={"Cache-Control": "max-age=600"})

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.json_response({"id": "never"})

    async def _introspect(self, request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response(self.oauth2_tokens.get(str(form.get("token")), {"active": False}))

    async def start(self) -> FakeProviders:
        app = web.Application()
        app.router.add_get("/apple/auth/keys", self._keys)
        app.router.add_get("/google/oauth2/v3/certs", self._keys)
        app.router.add_get("/facebook/jwks/", self._keys)
        app.router.add_get("/graph/{what}", self._graph)
        app.router.add_post("/github/token", self._github_token)
        app.router.add_get("/github/api/user", self._github_user)
        app.router.add_get("/msgraph/v1.0/me", self._microsoft_me)
        app.router.add_post("/oauth2/introspect", self._introspect)
        app.router.add_get("/slow/v2/me", self._slow)
        app.router.add_get("/gc/{name}", self._gc_file)
        app.router.add_get("/twitter/1.1/account/verify_credentials.json", self._twitter_verify)
        app.router.add_get("/play/games/v1/players/{player}", self._play_player)
        app.router.add_get("/keycloak/realms/{realm}/protocol/openid-connect/userinfo", self._keycloak_userinfo)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

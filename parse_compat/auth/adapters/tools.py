"""What built-in adapters share within one app: the bounded HTTP client and the JWKS cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from .jwt_tokens import JwksCache
from .provider_http import ProviderHttp


@dataclass
class ProviderTools:
    http: ProviderHttp = field(default_factory=ProviderHttp)
    jwks: JwksCache = field(init=False)

    def __post_init__(self) -> None:
        self.jwks = JwksCache(self.http)

    async def close(self) -> None:
        await self.http.close()

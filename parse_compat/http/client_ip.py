"""The client's IP address, as rate limits, `masterKeyIps` and the audit trail must see it.

Without `trustProxy` it is the socket's peer address and `X-Forwarded-For` is ignored, so a
client can never choose its own address. Behind a reverse proxy, `trustProxy` says which hops to
believe, with Express's `trust proxy` meaning (Parse Server passes the option to Express):
`true` (every hop: the left-most X-Forwarded-For address), a number of hops, or a list of
addresses/CIDRs and the names `loopback`, `linklocal`, `uniquelocal`. The chain socket address
→ X-Forwarded-For right to left is walked while the address is trusted; the first one that is
not is the client.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAMED = {
    "loopback": ("127.0.0.1/8", "::1/128"),
    "linklocal": ("169.254.0.0/16", "fe80::/10"),
    "uniquelocal": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
}
Trust = Callable[[str, int], bool]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for entry in entries:
        for part in NAMED.get(entry.strip().lower(), (entry.strip(),)):
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise ValueError(f"trustProxy: {entry!r} is not an address, a CIDR or a known name") from exc
    return tuple(networks)


def compile_trust(value: Any) -> Trust | None:
    """`trustProxy` → a predicate (address, hop index) → trusted; None trusts nothing."""
    if value is None or value is False or value == [] or value == "":
        return None
    if value is True:
        return lambda _address_text, _hop: True
    if isinstance(value, int):
        hops = value
        return lambda _address_text, hop: hop < hops
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "true":
            return compile_trust(True)
        if text.isdigit():
            return compile_trust(int(text))
        value = [part for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("trustProxy must be true, a number of hops, or a list of addresses")
    networks = _networks(tuple(value))

    def trusted(address_text: str, _hop: int) -> bool:
        address = _address(address_text)
        return address is not None and any(address in network for network in networks)

    return trusted


def client_ip(peer: str | None, headers: Mapping[str, str], trust: Trust | None) -> str:
    """The client's address from the socket peer and (only when trusted) X-Forwarded-For."""
    peer = peer or ""
    if trust is None:
        return peer
    forwarded = headers.get("X-Forwarded-For", "")
    chain = [peer] + [part.strip() for part in reversed(forwarded.split(",")) if part.strip()]
    for hop, address in enumerate(chain[:-1]):
        if not trust(address, hop):
            return address
    return chain[-1]


def resolver(settings: Any) -> Trust | None:
    """The compiled `trustProxy` of these settings (raises ValueError on a bad value)."""
    return compile_trust(getattr(settings, "trustProxy", None))

"""The SSRF guard: which webhook URLs and addresses Quanzi may connect to.

A URL is checked when an admin registers it and again before every attempt, after DNS
resolution; the connection then goes to the address that was checked (never a second lookup
that a rebinding DNS server could answer differently), with the original Host header.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOSTNAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$")


class UnsafeURL(ValueError):
    """The URL or the address it leads to is not allowed; `kind` names the reason for the UI.

    Kinds: `scheme`, `credentials`, `malformed`, `private`, `unresolvable`.
    """

    def __init__(self, message: str, kind: str = "malformed") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: where to connect and what to send as Host and request line."""

    scheme: str
    host: str
    port: int
    path: str
    literal: IPAddress | None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == ALLOWED_SCHEMES[self.scheme] else f"{host}:{self.port}"


def _parse_ipv4_part(part: str) -> int | None:
    """One part of an inet_aton() spelling: decimal, 0x hex or 0-prefixed octal."""
    text = part.lower()
    try:
        if text.startswith("0x"):
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isdigit() else None
    except ValueError:
        return None


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Read every IPv4 spelling C resolvers accept (`2130706433`, `0x7f.1`, `0177.0.0.1`)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or any(p == "" for p in parts):
        return None
    numbers = [_parse_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    # a / a.b (b: 24 bits) / a.b.c (c: 16 bits) / a.b.c.d, as inet_aton reads them.
    head, last = values[:-1], values[-1]
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise UnsafeURL("malformed IPv4 address")
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _ascii_host(host: str) -> str:
    """A DNS name in ASCII (IDNA), or UnsafeURL: no zone ids, colons or other oddities."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise UnsafeURL("the host name is malformed") from exc
    if len(ascii_host) > 253 or not _HOSTNAME.match(ascii_host):
        raise UnsafeURL("the host name is malformed")
    return ascii_host


def parse_url(url: str) -> Target:
    """Parse and check the shape of a webhook URL (scheme, host, port); no DNS here."""
    url = (url or "").strip()
    if any(ord(ch) < 33 for ch in url) or "\\" in url:
        raise UnsafeURL("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("the URL is malformed") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("only http and https URLs are allowed", "scheme")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("credentials in the URL are not allowed; use the secret", "credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("the URL has no host")
    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = parse_ipv4_loose(host)
    host = str(literal) if literal is not None else _ascii_host(host)
    # Percent-encode what is not ASCII so the request line is always valid.
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return Target(scheme, host, port or ALLOWED_SCHEMES[scheme], path, literal)


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses, embedded IPv4 forms included."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        embedded: list[ipaddress.IPv4Address] = []
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(not is_public_address(v4) for v4 in embedded):
            return False
        if address.is_site_local:
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves `host` to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {host}", "unresolvable") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve(target: Target, *, allow_private: bool, resolver: Resolver) -> IPAddress:
    """The checked address to connect to for `target` (every resolved address must pass)."""
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        found = resolver(target.host, target.port)
        if not found:
            raise UnsafeURL(f"cannot resolve {target.host}", "unresolvable")
        # Scoped IPv6 results carry "%iface"; the address itself is what we judge.
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise UnsafeURL(
                    f"{target.host} leads to a private or reserved address ({address})", "private"
                )
    return addresses[0]


def check_url(url: str, *, allow_private: bool, resolver: Resolver) -> Target:
    """Parse `url` and make sure it may be called; raises UnsafeURL with the reason."""
    target = parse_url(url)
    if not allow_private:
        resolve(target, allow_private=False, resolver=resolver)
    return target

"""The address guard: which hosts a chat user may make this server fetch from, and a transport
that connects only to the address that was checked.

URLs come from chat users, so a link to 127.0.0.1, 10.x, 169.254.169.254 or any other spelling of
an internal address must never be fetched. Every host is parsed (including the legacy IPv4
spellings `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1` that resolvers accept), resolved
once, every address checked, and the connection then pinned to that checked address (the TLS
server name and Host header keep the real name), so a DNS answer that changes between check and
connect (rebinding) cannot redirect it. Written here because no library on PyPI we can vet does
exactly this with httpx; `ipaddress` does the classification, httpx/httpcore the connecting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from summarizer.errors import FetchError, TransientFetchError
from summarizer.i18n import Phrase

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Resolves a host name and port to address strings (the real one asks the system resolver)."""

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")

FORBIDDEN = Phrase(de="Diese Adresse ist nicht erlaubt.", en="That address is not allowed.")
UNRESOLVABLE = Phrase(
    de="Den Server dieser Adresse gibt es nicht.", en="That host name could not be found."
)


class AddressNotAllowed(FetchError):
    """The URL points at an address this server must not fetch from; nothing was connected."""

    def __init__(self, reason: str) -> None:
        super().__init__("forbidden", FORBIDDEN)
        self.reason = reason


def _ipv4_part(part: str) -> int | None:
    """One dotted part as inet_aton reads it: decimal, 0x-hex or 0-octal."""
    if not part:
        return None
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        if part.isdigit():
            return int(part)
    except ValueError:
        return None
    return None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read `host` the way inet_aton does (1 to 4 parts, last part fills the rest)."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts = parts[:-1]
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(value)


def _ends_in_number(host: str) -> bool:
    """WHATWG rule: a host whose last label is numeric must be an IPv4 address, or is invalid."""
    labels = host.rstrip(".").split(".")
    last = labels[-1] if labels else ""
    if last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def parse_ip(host: str) -> IPAddress | None:
    """The address `host` spells, in any spelling a resolver would accept; None for a name.

    Raises AddressNotAllowed for hosts that look numeric but are no valid address, and for
    IPv6 zone ids, which name an interface of this machine.
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if "%" in host:
        raise AddressNotAllowed("zone id")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise AddressNotAllowed("invalid IPv6 address") from None
    legacy = _legacy_ipv4(host)
    if legacy is not None:
        return legacy
    if _ends_in_number(host):
        raise AddressNotAllowed("invalid IPv4 address")
    return None


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why this server must not connect to `ip`, or None for an ordinary public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "ipv4-mapped"
        embedded: ipaddress.IPv4Address | None = None
        if ip.sixtofour is not None:
            embedded = ip.sixtofour
        elif ip.teredo is not None:
            embedded = ip.teredo[1]
        elif ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip in _NAT64_LOCAL:
            return "private"
        if embedded is not None and forbidden_reason(embedded) is not None:
            return "embedded ipv4"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "private"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "reserved"
    return None


@dataclass(frozen=True)
class AllowList:
    """`BRIEFBOT_FETCH_ALLOW`: host names, addresses or CIDR ranges exempt from the guard."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            try:
                ip = parse_ip(entry)
            except AddressNotAllowed:
                raise ValueError(f"not a host, address or CIDR range: {raw!r}") from None
            if ip is not None:
                networks.append(ipaddress.ip_network(ip))
            else:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The system resolver's addresses for `host` (asked once per connection)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


def unresolvable() -> TransientFetchError:
    return TransientFetchError("dns", UNRESOLVABLE)


class AddressGuard:
    """Decides, before any connection, whether a URL's host may be fetched and at which address."""

    def __init__(self, allow: Iterable[str] = (), *, resolver: Resolver = system_resolver) -> None:
        self.allow = AllowList.parse(allow)
        self._resolver = resolver

    def check_url(self, url: str) -> tuple[str, str, int]:
        """(scheme, host, port) of a URL with an allowed scheme and a plausible host.

        Literal addresses are checked here already; names are checked by `resolve`.
        """
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise AddressNotAllowed("unparsable url") from None
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise AddressNotAllowed(f"scheme {scheme or 'missing'}")
        host = (parts.hostname or "").lower()
        if not host:
            raise AddressNotAllowed("no host")
        port = port if port is not None else DEFAULT_PORTS[scheme]
        ip = parse_ip(host)
        if ip is not None:
            self.check_ip(host, ip)
        return scheme, host, port

    def check_ip(self, host: str, ip: IPAddress) -> None:
        if self.allow.allows_host(host) or self.allow.allows_ip(ip):
            return
        reason = forbidden_reason(ip)
        if reason is not None:
            raise AddressNotAllowed(reason)

    async def resolve(self, host: str, port: int) -> IPAddress:
        """The one checked address to connect to for `host`: every address it resolves to must
        pass, else the host is refused (a name with one internal address is not fetched)."""
        ip = parse_ip(host)
        if ip is not None:
            self.check_ip(host, ip)
            return ip
        try:
            answers = await self._resolver(host, port)
        except (OSError, UnicodeError):
            raise unresolvable() from None
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer.split("%", 1)[0])
            except ValueError:
                raise AddressNotAllowed("unparsable resolver answer") from None
            if "%" in answer and not self.allow.allows_host(host):
                raise AddressNotAllowed("zone id")
            self.check_ip(host, address)
            addresses.append(address)
        if not addresses:
            raise unresolvable()
        return addresses[0]


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that resolves each request's host once through the guard and connects
    to exactly that address, keeping the Host header and TLS server name (SNI and certificate
    check) of the real name. Every request — each redirect hop included — passes the guard.

    Connection pools are kept per host name, so a TLS connection made for one name is never
    reused for another that happens to share its address. Use one transport per fetch.
    """

    def __init__(self, guard: AddressGuard, *, verify: ssl.SSLContext | bool = True) -> None:
        self._guard = guard
        self._verify = verify
        self._pools: dict[tuple[str, str, int], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        if scheme not in SCHEMES:
            raise AddressNotAllowed(f"scheme {scheme}")
        host = request.url.host
        port = request.url.port or DEFAULT_PORTS[scheme]
        ip = await self._guard.resolve(host, port)
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None:
            pool = httpx.AsyncHTTPTransport(verify=self._verify, retries=0)
            self._pools[key] = pool
        extensions = dict(request.extensions)
        if scheme == "https":
            extensions["sni_hostname"] = host
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(ip)),
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )
        return await pool.handle_async_request(pinned)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()

"""The address guard as a table: which hosts and addresses may be fetched. No connection is made
here (names are answered by a fake resolver); end-to-end refusals are in test_fetch.py."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from summarizer.ssrf import AddressGuard, AddressNotAllowed, AllowList, forbidden_reason, parse_ip


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.10", "private"),
        ("100.64.0.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),
        ("::ffff:127.0.0.1", "ipv4-mapped"),
        ("::ffff:8.8.8.8", "ipv4-mapped"),
        ("2002:7f00:1::1", "embedded ipv4"),
        ("2002:a00:1::1", "embedded ipv4"),
        ("64:ff9b::a9fe:a9fe", "embedded ipv4"),
    ],
)
def test_forbidden_reason(address: str, reason: str | None) -> None:
    result = forbidden_reason(ipaddress.ip_address(address))
    if reason in {"private", "reserved"}:
        assert result in {"private", "reserved"}, result
    else:
        assert result == reason


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0000.0000.0001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("3232235521", "192.168.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[0:0:0:0:0:ffff:7f00:1]", "::ffff:127.0.0.1"),
        ("example.org", None),
        ("1example.org", None),
        ("news.0x.example", None),
    ],
)
def test_parse_ip_reads_every_spelling(host: str, address: str | None) -> None:
    parsed = parse_ip(host)
    assert parsed == (ipaddress.ip_address(address) if address is not None else None)


@pytest.mark.parametrize(
    "host",
    ["256.0.0.1", "1.2.3.4.5", "4294967296", "0x1ffffffff", "08.1", "[fe80::1%eth0]", "[::zz]"],
)
def test_numeric_looking_hosts_that_are_no_address_are_refused(host: str) -> None:
    with pytest.raises(AddressNotAllowed):
        parse_ip(host)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost.:80/",  # a name: checked on resolve, see below
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1%25eth0]/",
        "http://10.0.0.1:8080/",
        "http://0.0.0.0/",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "gopher://example.org/",
        "javascript:alert(1)",
        "//example.org/x",
        "http:///nohost",
        "http://example.org:99999/",
    ],
)
async def test_refused_urls(url: str) -> None:
    guard = AddressGuard(resolver=_fake({"localhost.": ["127.0.0.1"]}))
    with pytest.raises(AddressNotAllowed):
        _scheme, host, port = guard.check_url(url)
        await guard.resolve(host, port)


def _fake(answers: dict[str, Sequence[str]]):
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


async def test_names_are_checked_by_every_address_they_resolve_to() -> None:
    guard = AddressGuard(
        resolver=_fake(
            {
                "news.example": ["93.184.216.34", "2606:2800:220:1::1"],
                "mixed.example": ["93.184.216.34", "10.0.0.5"],
                "internal.example": ["192.168.1.20"],
                "metadata.example": ["169.254.169.254"],
                "mapped.example": ["::ffff:127.0.0.1"],
            }
        )
    )
    assert str(await guard.resolve("news.example", 443)) == "93.184.216.34"
    for host in ("mixed.example", "internal.example", "metadata.example", "mapped.example"):
        with pytest.raises(AddressNotAllowed):
            await guard.resolve(host, 80)


async def test_unknown_host_is_a_clear_error_not_a_refusal() -> None:
    guard = AddressGuard(resolver=_fake({}))
    with pytest.raises(Exception) as caught:
        await guard.resolve("does-not-exist.example", 80)
    assert getattr(caught.value, "code", None) == "dns"


async def test_allowlist_by_address_cidr_and_host_name() -> None:
    answers = {"intranet.example": ["10.1.2.3"], "other.example": ["10.9.9.9"]}
    guard = AddressGuard(
        ["127.0.0.2", "10.1.0.0/16", "wiki.corp"],
        resolver=_fake({**answers, "wiki.corp": ["192.168.5.5"]}),
    )
    assert str(await guard.resolve("127.0.0.2", 80)) == "127.0.0.2"
    assert str(await guard.resolve("intranet.example", 80)) == "10.1.2.3"
    assert str(await guard.resolve("wiki.corp", 80)) == "192.168.5.5"
    for host in ("127.0.0.1", "other.example", "2130706433"):
        with pytest.raises(AddressNotAllowed):
            await guard.resolve(host, 80)


def test_allowlist_is_empty_by_default_and_rejects_garbage() -> None:
    assert AllowList.parse([]) == AllowList()
    assert AllowList.parse(["", " "]) == AllowList()
    with pytest.raises(ValueError):
        AllowList.parse(["999.1.1.1"])
    allow = AllowList.parse(["Example.ORG.", "0x7f000002", "[::1]"])
    assert allow.allows_host("example.org")
    assert allow.allows_ip(ipaddress.ip_address("127.0.0.2"))
    assert allow.allows_ip(ipaddress.ip_address("::1"))
    assert not allow.allows_ip(ipaddress.ip_address("127.0.0.1"))


def test_refusal_speaks_both_languages() -> None:
    error = AddressNotAllowed("loopback")
    assert error.code == "forbidden"
    assert error.message("de") == "Diese Adresse ist nicht erlaubt."
    assert error.message("en") == "That address is not allowed."

"""The SSRF guard against hostile URLs: spellings of loopback, private ranges, schemes, DNS."""

from __future__ import annotations

import ipaddress

import pytest

from app.webhooks import ssrf

NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "hooks.example.com": ["93.184.215.14"],
    "internal.example.com": ["10.1.2.3"],
    "metadata.example.com": ["169.254.169.254"],
    # One public and one private answer: refused (a rebinding server could pick either).
    "mixed.example.com": ["93.184.215.14", "127.0.0.1"],
    "v6only.example.com": ["2606:4700::1111"],
    "v6loop.example.com": ["::1"],
}


def fake_resolver(host: str, _port: int) -> list[str]:
    if host not in NAMES:
        raise ssrf.UnsafeURL(f"cannot resolve {host}", "unresolvable")
    return NAMES[host]


HOSTILE = [
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.0.0.1:8080/x",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a00:1::]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[::]/",
    "http://[ff02::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://198.18.0.1/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://internal.example.com/",
    "http://metadata.example.com/",
    "http://mixed.example.com/",
    "http://v6loop.example.com/",
    "http://unknown.invalid/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/_GET",
    "gopher://hooks.example.com/",
    "ftp://93.184.215.14/",
    "javascript:alert(1)",
    "dict://127.0.0.1:11211/",
    "http://user:pass@93.184.215.14/",
    "http:///no-host",
    "http://256.1.1.1/",
    "http://exa mple.com/",
    "http://hooks.example.com\\@127.0.0.1/",
    "http://[fe80::1%25eth0]/",
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_refused(url):
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(url, allow_private=False, resolver=fake_resolver)


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/hook",
        "https://hooks.example.com/quanzi?team=ops",
        "http://hooks.example.com:8080/",
        "https://[2606:4700::1111]:8443/in",
        "https://v6only.example.com/",
        "http://[2002:5db8:d70e::1]/",
    ],
)
def test_public_destinations_pass(url):
    target = ssrf.check_url(url, allow_private=False, resolver=fake_resolver)
    assert target.scheme in ("http", "https")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000/hook", "http://localhost:9000/", "http://[::1]/x"])
def test_private_destinations_pass_only_when_allowed(url):
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(url, allow_private=False, resolver=fake_resolver)
    assert ssrf.check_url(url, allow_private=True, resolver=fake_resolver).host


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://127.0.0.1/"])
def test_allowing_private_never_allows_other_schemes(url):
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(url, allow_private=True, resolver=fake_resolver)


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("hooks.example.com", None),
        ("1.2.3.example", None),
    ],
)
def test_loose_ipv4_spellings_are_read_like_a_c_resolver(spelling, address):
    parsed = ssrf.parse_ipv4_loose(spelling)
    assert (str(parsed) if parsed else None) == address


def test_literal_spellings_are_normalised_and_the_host_header_kept():
    target = ssrf.parse_url("http://0x7f.1:8080/a/b?c=1")
    assert (target.host, target.port, target.path) == ("127.0.0.1", 8080, "/a/b?c=1")
    assert ssrf.parse_url("https://Hooks.Example.com/").host_header == "hooks.example.com"
    assert ssrf.parse_url("http://[2606:4700::1111]:81/").host_header == "[2606:4700::1111]:81"
    assert ssrf.parse_url("https://例子.测试/").host == "xn--fsqu00a.xn--0zwm56d"


def test_resolve_returns_the_checked_address_to_connect_to():
    target = ssrf.parse_url("https://hooks.example.com/")
    address = ssrf.resolve(target, allow_private=False, resolver=fake_resolver)
    assert address == ipaddress.ip_address("93.184.215.14")


def test_non_ascii_paths_are_percent_encoded():
    assert ssrf.parse_url("https://hooks.example.com/圈子?名=值&a=b").path == (
        "/%E5%9C%88%E5%AD%90?%E5%90%8D=%E5%80%BC&a=b"
    )

"""Canonical URLs: the same page under any tracking or spelling variant gets one key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.urls import canonical_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.ORG/a/b", "https://example.org/a/b"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("http://example.org:80/x", "http://example.org/x"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://example.org/x#kommentare", "https://example.org/x"),
        ("https://example.org/x?utm_source=rss&utm_medium=feed", "https://example.org/x"),
        ("https://example.org/x?b=2&fbclid=abc&a=1&gclid=z", "https://example.org/x?a=1&b=2"),
        ("https://example.org/x?id=7&UTM_Campaign=y&mc_cid=1", "https://example.org/x?id=7"),
        ("https://example.org./x", "https://example.org/x"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("  https://example.org/x  ", "https://example.org/x"),
        ("https://[2001:DB8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_path_case_and_meaningful_parameters_are_kept() -> None:
    assert canonical_url("https://example.org/Artikel?Seite=2") == (
        "https://example.org/Artikel?Seite=2"
    )


def test_not_a_url_comes_back_unchanged() -> None:
    assert canonical_url("kein link") == "kein link"
    assert canonical_url("http://[::1") == "http://[::1"


@given(st.text(max_size=80))
def test_never_crashes_and_is_idempotent(raw: str) -> None:
    once = canonical_url(raw)
    assert canonical_url(once) == once


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "utm_x", "fbclid", "q"]), st.text("xyz", max_size=3)),
        max_size=5,
    )
)
def test_query_order_does_not_matter(params: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    forward = canonical_url("https://example.org/p?" + urlencode(params))
    backward = canonical_url("https://example.org/p?" + urlencode(list(reversed(params))))
    assert forward == backward
    assert "utm_" not in forward and "fbclid" not in forward

"""The request the client makes directly (its own httpx client, no cookies) is the request
httpx's build_request would make: same method, URL (query encoding included), headers and
timeout, for any query values and extra headers a call may carry."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from llama_cloud_batch import LlamaCloud
from llama_cloud_batch._base_client import RequestOptions
from llama_cloud_batch._requests import RequestSpec

from .test_models import PROPERTY_SETTINGS

# The query pairs an operation builds are strings already (llama_cloud_batch._requests).
QUERY_VALUES = st.text(max_size=12)
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=10
)


@pytest.fixture(scope="module")
def client() -> Any:
    with LlamaCloud(api_key="sk-test-direct", base_url="https://api.example.test/base") as made:
        yield made


@PROPERTY_SETTINGS
@given(
    path=st.sampled_from(["/api/v1/x", "/api/v1/x/a%2Fb", "/"]),
    # A name's values side by side, as operations write repeated keys.
    params=st.dictionaries(
        st.text(min_size=1, max_size=6), st.lists(QUERY_VALUES, min_size=1, max_size=3), max_size=4
    ).map(lambda named: [(name, value) for name, values in named.items() for value in values]),
    extra_headers=st.none() | st.dictionaries(st.sampled_from(["X-A", "x-b"]), HEADER_TEXT),
    timeout=st.none() | st.floats(0.5, 30) | st.just(httpx.Timeout(3.0, connect=1.0)),
)
def test_direct_request_matches_build_request(
    client: Any, path: str, params: list[tuple[str, str]], extra_headers: Any, timeout: Any
) -> None:
    spec = RequestSpec("op", "GET", True, path, params, {}, None)
    options = RequestOptions(timeout=timeout, extra_headers=extra_headers)
    direct = client._build_request(client._http, spec, options)
    headers = {**client._headers, **(extra_headers or {})}
    expected = client._http.build_request(
        "GET",
        client.base_url + path,
        params=params or None,
        headers=headers,
        timeout=client.timeout if timeout is None else timeout,
    )
    assert direct.method == expected.method
    assert direct.url == expected.url
    assert sorted(direct.headers.multi_items()) == sorted(expected.headers.multi_items())
    assert direct.extensions["timeout"] == expected.extensions["timeout"]


def test_a_client_holding_cookies_builds_through_httpx(client: Any) -> None:
    with LlamaCloud(api_key="sk-test-cookies", base_url="https://api.example.test") as cookied:
        cookied._http.cookies.set("session", "abc", domain="api.example.test")
        spec = RequestSpec("op", "GET", True, "/x", [], {}, None)
        request = cookied._build_request(cookied._http, spec, RequestOptions())
        assert request.headers["cookie"] == "session=abc"

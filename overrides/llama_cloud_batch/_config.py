"""Checks on what a client is built from: the key, the base URL, headers, and where the bytes go.

Each check raises a clear error at construction (or before a request is sent) rather than letting
httpx or h11 fail later with a message that may quote the offending value, the key included.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping

import httpx

from ._exceptions import InsecureConnectionError, MissingAPIKeyError
from ._redact import MAX_BODY_DEPTH, depth

# Printable ASCII and space: what an HTTP header value may hold without escaping.
_HEADER_TEXT = frozenset(chr(code) for code in range(0x20, 0x7F))


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (so bytes sent there never cross a network)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def api_key_given(api_key: str | None) -> str | None:
    """The key a client is built with, before clean_api_key: `api_key`, else the
    LLAMA_CLOUD_API_KEY environment variable, else LLAMA_PARSE_API_KEY. A variable holding only
    whitespace is taken as unset (`export LLAMA_CLOUD_API_KEY=" "` must not hide the other)."""
    if api_key is not None:
        return api_key
    for variable in ("LLAMA_CLOUD_API_KEY", "LLAMA_PARSE_API_KEY"):
        value = os.environ.get(variable, "")
        if value.strip():
            return value
    return None


def clean_api_key(api_key: str | None) -> str:
    """The key without surrounding whitespace (a key read from a file often ends in a newline).

    Any other character an HTTP header cannot carry is refused with an error that names its
    position and kind, never the key.
    """
    if api_key is None or not api_key.strip():
        raise MissingAPIKeyError(
            "no API key: pass api_key=... to the client or set the LLAMA_CLOUD_API_KEY (or "
            "LLAMA_PARSE_API_KEY) environment variable"
        )
    key = api_key.strip()
    for position, char in enumerate(key):
        if char not in _HEADER_TEXT:
            kind = "a non-ASCII" if ord(char) > 0x7F else "a control"
            raise ValueError(
                f"the API key holds {kind} character (U+{ord(char):04X}) at position {position} "
                f"of {len(key)}; an API key is printable ASCII"
            )
    return key


def secret_bytes(secret: object, name: str, error: type[Exception]) -> bytes:
    """A secret's UTF-8 bytes: TypeError if it is not a str, `error` if it is empty or cannot be
    encoded. The messages never quote a character of it."""
    if not isinstance(secret, str):
        raise TypeError(f"{name} must be a str, got {type(secret).__name__}")
    if not secret:
        raise error(f"{name} is empty")
    try:
        return secret.encode()
    except UnicodeEncodeError:
        pass
    # Raised here, outside the except block: the encoder's error holds the whole secret.
    raise error(f"{name} cannot be encoded as UTF-8 (it holds a lone surrogate)")


def check_base_url(base_url: str, *, allow_insecure_http: bool) -> httpx.URL:
    """The base URL as httpx reads it; refuses what would send calls (or the key) elsewhere."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ValueError(f"base_url is not a valid URL: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {_safe_url(url)!r}")
    if url.userinfo:
        raise ValueError(
            "base_url must not hold user:password@ (it would show in logs and replace the API "
            f"key with Basic auth); got {_safe_url(url)!r}"
        )
    if url.query or url.fragment or base_url.rstrip().endswith(("?", "#")):
        raise ValueError(
            "base_url must not hold a query string or a fragment (every path would be appended "
            f"after it); got {_safe_url(url)!r}"
        )
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure_http:
        raise InsecureConnectionError(
            f"refusing to send the API key in clear text to {url.host} over http://; use "
            "https:// or pass allow_insecure_http=True"
        )
    return url


def check_proxy(
    http: httpx.Client | httpx.AsyncClient, url: httpx.URL, *, allow_insecure_http: bool
) -> None:
    """Refuses plain http through a proxy on another machine: the key would cross the network.

    The check asks the httpx client itself which transport serves `url`, so it covers every way
    httpx picks a proxy: HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY when trust_env is on (read by
    httpx when the client is made), proxy=, and mounts. An https:// base URL is tunnelled through
    a proxy end to end, so only http:// is checked. A custom transport is taken as the caller's
    choice.
    """
    if url.scheme != "http" or allow_insecure_http:
        return
    transport = http._transport_for_url(url)  # httpx's own routing, not a copy of it
    proxy_url = getattr(getattr(transport, "_pool", None), "_proxy_url", None)
    if proxy_url is None:
        return
    proxy_host = bytes(proxy_url.host).decode("ascii", "replace")
    if not is_loopback(proxy_host):
        raise InsecureConnectionError(
            f"refusing to send the API key in clear text over http:// through the proxy at "
            f"{proxy_host} (HTTP_PROXY/ALL_PROXY or the http client's proxy); use https://, "
            "exclude the host with NO_PROXY, or pass allow_insecure_http=True"
        )


def check_headers(headers: Mapping[str, str], where: str) -> None:
    """Refuses header names and values that HTTP cannot carry, naming the header, not its value."""
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"{where}: header names and values must be str, got {name!r}")
        if not name or any(c not in _HEADER_TEXT or c in " :" for c in name):
            raise ValueError(f"{where}: {name!r} is not a valid header name")
        if any(c not in _HEADER_TEXT for c in value) or value != value.strip():
            raise ValueError(
                f"{where}: the value of header {name!r} holds a character HTTP cannot carry "
                "(printable ASCII only, no surrounding whitespace)"
            )


def check_count(name: str, value: object) -> int:
    """An int of 1 or more (not a bool), as a concurrency is."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, got {value}")
    return value


def check_seconds(name: str, value: object, *, zero: bool) -> float:
    """A finite number of seconds (not a bool), above 0, or 0 or more when `zero` is allowed:
    nan or an infinity would otherwise surface only at the first sleep, after a request."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise ValueError(f"{name} must be a finite number of seconds, {least}; got {value}")
    return float(value)


def check_request_data(value: object, where: str) -> None:
    """Refuses, before anything is sent, data that cannot go out as JSON: data that contains
    itself (a dict holding itself), or nests deeper than MAX_BODY_DEPTH, as no API config does.
    Both would otherwise end in a RecursionError while the request is being built."""
    if depth(value) > MAX_BODY_DEPTH:
        raise ValueError(
            f"{where} nests more than {MAX_BODY_DEPTH} levels deep, or contains itself: it "
            "cannot be sent as JSON"
        )


def layered_headers(*layers: Mapping[str, str]) -> httpx.Headers:
    """The headers of `layers`, each over those before it by name whatever its case (the rule
    of httpx.Headers), so that no name is sent twice. Set one by one: a plain dict may name one
    header in two cases (the last wins), which httpx.Headers.update would send both of."""
    merged = httpx.Headers()
    for layer in layers:
        for name, value in httpx.Headers(layer).raw:  # as given, not lower-cased
            merged[name.decode("ascii")] = value.decode("ascii")
    return merged


def _safe_url(url: httpx.URL) -> str:
    """The URL with any password, query and fragment left out."""
    return str(url.copy_with(username=None, password=None, query=None, fragment=None))

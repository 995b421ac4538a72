"""The link shim is never an open redirect: it only ever redirects to the signed target.

Tampered, re-signed, spliced, expired and future tokens, replayed or
transplanted continue nonces: each is refused with no ``Location`` at all;
a genuine token redirects to exactly the URL it carries.
"""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkgate.opening.keys import ShimKeys
from linkgate.opening.shim import ShimClaims, sign
from tests.api.conftest import Api

UNKNOWN = "https://www.example.com/page"
OTHER = "https://www.example.org/elsewhere"
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"


def shim_path(api: Api, url: str) -> str:
    response = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": "private_chat"},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 200, response.text
    return urlsplit(response.json()["shim_url"]).path


def token_of(path: str) -> str:
    return path.removeprefix("/l/")


def assert_refused(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "location" not in response.headers


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_genuine_token_redirects_to_its_target_only(api: Api) -> None:
    response = api.client.get(shim_path(api, UNKNOWN), follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == UNKNOWN


def test_every_single_character_change_is_refused(api: Api) -> None:
    token = token_of(shim_path(api, UNKNOWN))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(token)):
        if token[i] == ".":
            continue
        swapped = alphabet[(alphabet.index(token[i]) + 1) % len(alphabet)]
        tampered = token[:i] + swapped + token[i + 1 :]
        response = api.client.get(f"/l/{tampered}", follow_redirects=False)
        assert response.status_code != 302, (i, tampered)
        assert "location" not in response.headers


def test_a_payload_rewritten_to_another_target_is_refused(api: Api) -> None:
    token = token_of(shim_path(api, UNKNOWN))
    body, _, mac = token.partition(".")
    payload = json.loads(_unb64(body))
    payload["u"] = OTHER
    forged = _b64(json.dumps(payload, separators=(",", ":")).encode()) + "." + mac
    assert_refused(api.client.get(f"/l/{forged}", follow_redirects=False))


def test_a_signature_from_another_token_is_refused(api: Api) -> None:
    first = token_of(shim_path(api, UNKNOWN))
    second = token_of(shim_path(api, OTHER))
    spliced = first.partition(".")[0] + "." + second.partition(".")[2]
    assert_refused(api.client.get(f"/l/{spliced}", follow_redirects=False))


def test_tokens_signed_with_another_key_are_refused(api: Api) -> None:
    now = int(time.time())
    claims = ShimClaims(url=OTHER, channel="private_chat", group=None, issued_at=now)
    # The same key id with another secret, and an unknown key id.
    same_kid = ShimKeys.from_env_value("k1:" + _b64(b"x" * 32) + ";active=k1")
    for keys in (same_kid, ShimKeys.generate()):
        assert_refused(api.client.get(f"/l/{sign(claims, keys)}", follow_redirects=False))


def test_expired_and_future_tokens_are_refused(api: Api) -> None:
    keys = api.runtime.keys
    max_age = api.runtime.settings.shim_max_age
    now = int(time.time())
    for issued in (now - max_age - 120, now + 3600):
        claims = ShimClaims(url=UNKNOWN, channel="private_chat", group=None, issued_at=issued)
        assert_refused(api.client.get(f"/l/{sign(claims, keys)}", follow_redirects=False))
    fresh = ShimClaims(url=UNKNOWN, channel="private_chat", group=None, issued_at=now)
    response = api.client.get(f"/l/{sign(fresh, keys)}", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == UNKNOWN


def test_garbage_tokens_are_refused(api: Api) -> None:
    for garbage in ("x", ".", "a.b", "%2F%2Fevil.top", "..%2F..%2F", "A" * 5000, "e30.e30"):
        assert_refused(api.client.get(f"/l/{garbage}", follow_redirects=False))


def _nonce(page: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_continue_nonce_is_single_use_and_bound_to_its_token(api: Api) -> None:
    competitor = shim_path(api, TAOBAO)
    other = shim_path(api, TAOBAO + "1")
    nonce = _nonce(api.client.get(competitor).text)
    # Transplanted onto another token: refused, and not spent by the attempt.
    assert_refused(
        api.client.post(f"{other}/continue", data={"nonce": nonce}, follow_redirects=False)
    )
    go = api.client.post(f"{competitor}/continue", data={"nonce": nonce}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"] == TAOBAO
    # Replayed.
    assert_refused(
        api.client.post(f"{competitor}/continue", data={"nonce": nonce}, follow_redirects=False)
    )
    for bad in ("", "x", nonce[:-1] + ("A" if nonce[-1] != "A" else "B")):
        response = api.client.post(
            f"{competitor}/continue", data={"nonce": bad}, follow_redirects=False
        )
        assert_refused(response)


targets = st.builds(
    lambda host, path, query: f"https://{host}.example/{path}" + (f"?{query}" if query else ""),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._~/-]{0,30}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9=&]{0,20}", fullmatch=True),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(target=targets)
def test_the_redirect_is_always_the_signed_target(api: Api, target: str) -> None:
    path = shim_path(api, target)
    signed = api.runtime.gateway.inspect(target).canonical
    response = api.client.get(path, follow_redirects=False)
    if response.status_code == 302:
        assert response.headers["location"].partition("#linkgate_ticket=")[0] == signed
    else:
        assert "location" not in response.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_shim_takes_no_target_from_the_request(api: Api, method: str) -> None:
    """Query strings, form fields and headers naming another target are ignored."""
    path = shim_path(api, UNKNOWN)
    suffix = "" if method == "GET" else "/continue"
    response = api.client.request(
        method,
        f"{path}{suffix}?url={OTHER}&next={OTHER}&redirect={OTHER}",
        headers={"Referer": OTHER, "X-Forwarded-Host": "evil.top", "Host": "evil.top"},
        data={"url": OTHER, "next": OTHER} if method == "POST" else None,
        follow_redirects=False,
    )
    assert response.headers.get("location") in (None, UNKNOWN)

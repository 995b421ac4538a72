"""Where the Matrix module gets its decisions: an embedded gateway or a linkgate server.

Both deciders take the links of one message and where they are shared
(:class:`Share`) and answer one :class:`Verdict` per link, in order, each with
the shim URL to put in the message when the link may open.

- :class:`InProcessDecider` runs :class:`~linkgate.gateway.Gateway` in the
  homeserver's process and signs shim URLs with the linkgate server's keys,
  so the server's ``/l/{token}`` accepts them.
- :class:`RemoteDecider` calls ``POST /v1/decisions:batch`` on a linkgate
  server with an integrator key, bounded by a timeout; any failure (no
  answer in time, a refused key, a server error, an answer it cannot read)
  raises :class:`DecisionUnavailable` and the module applies the configured
  fail-open or fail-closed choice.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import httpx

from linkgate.errors import LinkgateError
from linkgate.gateway import Gateway
from linkgate.opening.keys import ShimKeys, ShimTokenError
from linkgate.opening.shim import ShimClaims, sign
from linkgate.policy.decision import Decision
from linkgate.vocabulary import CHANNELS, Channel

T = TypeVar("T")
RunBlocking = Callable[[Callable[[], T]], Awaitable[T]]

_CHANNELS: dict[str, Channel] = {channel: channel for channel in CHANNELS}


class DecisionUnavailable(LinkgateError):
    """No decision could be had (the linkgate server did not answer usefully)."""


@dataclass(frozen=True, slots=True)
class Share:
    """Where and by whom a message's links are shared.

    ``group`` is the room's pseudonym (it travels in shim URLs and to the
    server, never the room id); ``recipients`` are the accounts a direct
    message reaches, for sender enforcement.
    """

    channel: str
    sender: str
    group: str | None = None
    group_setting: str | None = None
    viewer_opt_out: bool = False
    recipients: tuple[str, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """One link's decision, as the module needs it."""

    url: str | None
    treatment: str
    interstitial: str
    reasons: tuple[str, ...]
    category: str | None
    reason_text: Mapping[str, str]
    decision_id: str
    policy_revision: str
    shim_url: str | None

    @property
    def openable(self) -> bool:
        return self.treatment not in ("copy_only", "blocked")


class Decider(Protocol):
    async def decide(self, targets: Sequence[str], share: Share) -> list[Verdict]: ...

    def close(self) -> None: ...


def shim_url_for(
    decision: Decision, group: str | None, keys: ShimKeys, public_url: str, now: int
) -> str | None:
    """The shim URL for a decided link, as ``POST /v1/decisions`` mints it (or ``None``)."""
    url = decision.url
    if url is None or "invalid_url" in decision.reasons:
        return None
    channel = _CHANNELS.get(decision.channel)
    if channel is None or not url.startswith(("http://", "https://")):
        return None
    claims = ShimClaims(url, channel, group, now, None, decision.decision_id)
    try:
        return f"{public_url}/l/{sign(claims, keys)}"
    except ShimTokenError:
        return None


class InProcessDecider:
    """Decides with an embedded gateway; signs shim URLs with the server's keys."""

    def __init__(self, gateway: Gateway, keys: ShimKeys, public_url: str) -> None:
        self.gateway = gateway
        self._keys = keys
        self._public_url = public_url

    async def decide(self, targets: Sequence[str], share: Share) -> list[Verdict]:
        issued = int(time.time())
        out: list[Verdict] = []
        for target in targets:
            decision = self.gateway.decide(
                target,
                channel=share.channel,
                at=share.at,
                sender=share.sender,
                group_setting=share.group_setting,
                viewer_opt_out=share.viewer_opt_out,
            )
            shim = (
                shim_url_for(decision, share.group, self._keys, self._public_url, issued)
                if decision.treatment not in ("copy_only", "blocked")
                else None
            )
            out.append(
                Verdict(
                    url=decision.url,
                    treatment=decision.treatment,
                    interstitial=decision.interstitial,
                    reasons=decision.reasons,
                    category=decision.category,
                    reason_text=decision.reason_text,
                    decision_id=decision.decision_id,
                    policy_revision=decision.policy_revision,
                    shim_url=shim,
                )
            )
        return out

    def close(self) -> None:
        return None


class RemoteDecider:
    """Asks a linkgate server; ``run_blocking`` runs the HTTP call off the event loop."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout_seconds: float,
        run_blocking: RunBlocking[httpx.Response],
    ) -> None:
        self._endpoint = f"{base_url.rstrip('/')}/v1/decisions:batch"
        self._timeout = timeout_seconds
        self._run_blocking = run_blocking
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            headers={"Authorization": f"Bearer {api_key}"},
            follow_redirects=False,
        )

    def _item(self, target: str, share: Share) -> dict[str, Any]:
        item: dict[str, Any] = {"url": target, "channel": share.channel, "sender": share.sender}
        if share.group is not None:
            item["group"] = share.group
        if share.group_setting is not None:
            item["group_setting"] = share.group_setting
        if share.viewer_opt_out:
            item["viewer_opt_out"] = True
        if share.recipients:
            item["recipients"] = list(share.recipients)
        if share.at is not None:
            item["at"] = share.at.isoformat()
        return item

    async def decide(self, targets: Sequence[str], share: Share) -> list[Verdict]:
        if not targets:
            return []
        body = {"items": [self._item(target, share) for target in targets]}

        def post() -> httpx.Response:
            return self._client.post(self._endpoint, json=body)

        try:
            response = await self._run_blocking(post)
        except httpx.TimeoutException as exc:
            raise DecisionUnavailable(
                f"the linkgate server did not answer within {self._timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise DecisionUnavailable(f"the linkgate server is unreachable: {exc}") from exc
        if response.status_code != 200:
            raise DecisionUnavailable(
                f"the linkgate server answered {response.status_code}: {_detail(response)}"
            )
        try:
            results = response.json()["results"]
            if not isinstance(results, list) or len(results) != len(targets):
                raise ValueError("one result per item expected")
            return [_verdict(result) for result in results]
        except (ValueError, KeyError, TypeError) as exc:
            raise DecisionUnavailable(f"unreadable answer from the linkgate server: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])[:200]
    return response.text[:200]


def _verdict(result: Any) -> Verdict:
    if not isinstance(result, dict):
        raise TypeError("a result is not an object")
    if "error" in result:
        raise ValueError(f"an item was refused: {result['error']}")
    reason_text = result.get("reason_text") or {}
    return Verdict(
        url=result.get("url"),
        treatment=str(result["treatment"]),
        interstitial=str(result["interstitial"]),
        reasons=tuple(str(r) for r in result.get("reasons") or ()),
        category=result.get("category"),
        reason_text={str(k): str(v) for k, v in dict(reason_text).items()},
        decision_id=str(result["decision_id"]),
        policy_revision=str(result.get("policy_revision", "")),
        shim_url=result.get("shim_url"),
    )

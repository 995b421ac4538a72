r"""``POST /v1/decisions`` and ``POST /v1/decisions:batch``.

Both are :class:`~linkgate.api.direct.DirectRoute`\ s: each endpoint's signature documents
it, and a request goes to a handler that authenticates, reads and validates the body
itself and answers as the endpoint would, without the framework's per-request dependency
machinery (``serve_decision``, ``serve_batch``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import to_json

from linkgate.api.auth import Caller, require
from linkgate.api.direct import DirectRoute, Handler, read_json_bytes, validate_body
from linkgate.api.problems import Problem
from linkgate.api.schemas import BatchIn, BatchOut, DecisionIn, ValidBatchIn
from linkgate.api.together import Together
from linkgate.errors import RequestError
from linkgate.events import event_record
from linkgate.facts import UrlFacts
from linkgate.opening.keys import ShimTokenError
from linkgate.opening.shim import sign_link
from linkgate.policy.decision import Decision
from linkgate.runtime import Runtime, decision_kwargs

INTEGRATOR = require("integrator")

#: Decisions a policy in shadow decides again: shares and clicks (not previews).
SHADOWED_KINDS = frozenset({"share", "open"})


def shim_url(runtime: Runtime, decision: Decision, group: str | None) -> str | None:
    if decision.url is None or (
        decision.treatment == "blocked" and "invalid_url" in decision.reasons
    ):
        return None
    if not decision.url.startswith(("http://", "https://")):
        return None
    try:
        token = sign_link(
            runtime.keys,
            decision.url,
            decision.channel,
            group,
            int(time.time()),
            decision_id=decision.decision_id,
            content=next((c.category for c in decision.trace if c.stage == "content"), None),
            # Canonicalising drops userinfo and other tricks the click-time decision must
            # see again: a link with deception signals travels as typed too.
            input=decision.input if decision.signals and len(decision.input) <= 2048 else None,
        )
    except ShimTokenError:
        return None
    return f"{runtime.settings.public_url}/l/{token}"


def request_fields(body: DecisionIn) -> dict[str, Any]:
    """A decision request's fields as a dict: what ``body.model_dump()`` gives for this flat
    model (strings, a flag, a time, a list of strings), copied without serialising each
    field again (a tenth of the time)."""
    return dict(body.__dict__)


def decide_one(runtime: Runtime, fields: dict[str, Any], kind: str = "share") -> Decision:
    """Decide, count and log one request; raises RequestError for bad fields."""
    url = fields["url"]
    if len(url) > runtime.settings.max_url_length:
        raise Problem(
            414,
            f"url is {len(url)} characters; the limit is {runtime.settings.max_url_length}",
            type_="url-too-long",
            errors=[{"field": "url", "message": "too long"}],
        )
    started = time.perf_counter()
    kwargs = decision_kwargs(runtime, fields)
    facts = None
    if kind == "share" and fields.get("sender") is not None:
        facts = runtime.gateway.inspect(url)
        kwargs["forwards"] = count_share(runtime, fields, facts)
    shadow = runtime.shadow if kind in SHADOWED_KINDS else None
    title = kwargs["title"]
    if shadow is not None and (title is not None or kwargs["description"] is not None):
        # Classify once: the shadow decides with the same content signals.
        found = runtime.gateway.content_signals(title, kwargs["description"])
        kwargs = {**kwargs, "content": (*kwargs["content"], *found)}
        kwargs["title"] = kwargs["description"] = None
    decision = runtime.gateway.decide(url, facts=facts, **kwargs)
    if shadow is not None:
        runtime.shadow_log.put(shadow, kind, url, kwargs, decision)
    runtime.metrics.decided(decision.treatment, kind, time.perf_counter() - started)
    runtime.events.put(
        event_record(
            decision,
            kind,
            runtime.pseudonym,
            sender=fields.get("sender"),
            viewer=fields.get("viewer"),
            group=fields.get("group"),
            title=title,
        )
    )
    return decision


def count_share(runtime: Runtime, fields: dict[str, Any], facts: UrlFacts) -> dict[Any, int]:
    """Count a share (of the link with these facts) for the sender's anti-spam windows and
    the link's forward limits."""
    targets = [r for r in (fields.get("recipient"), *(fields.get("recipients") or ())) if r]
    if not targets and fields.get("group"):
        targets = [f"group:{fields['group']}"]
    if not targets:
        return {}
    if not facts.valid or facts.canonical is None:
        return {}
    platform = facts.platform  # its id read directly, not by the property
    counts, _ = runtime.accounts.observe(
        # Only the shared counters keep shares by id (members of their sorted sets).
        event=runtime.share_ids.next() if runtime.counting.shared is not None else "",
        sender=fields["sender"],
        recipients=targets,
        link=facts.canonical,
        platform=platform.id if platform is not None else None,
    )
    return dict(counts.forwards)


def decision_body(runtime: Runtime, decision: Decision, group: str | None) -> dict[str, Any]:
    body = decision.to_dict()
    body["shim_url"] = shim_url(runtime, decision, group)
    return body


def json_response(content: dict[str, Any]) -> Response:
    """``content`` as the JSON the framework would send for it, serialised once.

    The framework would validate the body against the declared response model, then
    serialise it with pydantic's serialiser: for a decision, or a batch of them, built
    here from plain values, the validation only copies. Plain values (strings, numbers,
    lists, dicts with string keys) are written by orjson, in the same bytes and in less
    than half the time (a float that is not finite becomes ``null``, which is JSON, where
    pydantic wrote ``NaN``, which is not); anything else (a time, a subclass of a plain
    type, a number beyond 64 bits, a key that is not a string) goes to pydantic's
    serialiser as before.
    """
    try:
        body = orjson.dumps(content, option=_PLAIN_ONLY)
    except orjson.JSONEncodeError:
        body = to_json(content)
    return Response(body, media_type="application/json")


#: What orjson would write its own way is refused, and so written by pydantic.
_PLAIN_ONLY = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


async def post_decision(
    body: DecisionIn, request: Request, caller: Caller = Depends(INTEGRATOR)
) -> Response:
    return answer(request.app.state.runtime, body)


def answer(runtime: Runtime, body: DecisionIn) -> Response:
    """The response to one decision request."""
    decision = decide_one(runtime, request_fields(body))
    return json_response(decision_body(runtime, decision, body.group))


def _answer_filed(filed: tuple[Runtime, bytes]) -> Response:
    """The response to a decision request's body (validated here, with the decision)."""
    runtime, raw = filed
    return answer(runtime, validate_body(raw, DecisionIn))


async def post_batch(
    body: BatchIn, request: Request, caller: Caller = Depends(INTEGRATOR)
) -> Response:
    return decide_batch(request.app.state.runtime, body.items)


def decide_batch(runtime: Runtime, items: Sequence[DecisionIn | dict[str, Any]]) -> Response:
    """Decide each item in order: a validated request, or a dict validated here, whose
    errors become the item's error entry."""
    limit = runtime.settings.max_batch
    if len(items) > limit:
        raise Problem(
            413,
            f"{len(items)} items; a batch holds at most {limit}",
            type_="batch-too-large",
            errors=[{"field": "items", "message": f"at most {limit} items"}],
        )
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            parsed = item if type(item) is DecisionIn else DecisionIn.model_validate(item)
            decision = decide_one(runtime, request_fields(parsed))
            results.append(decision_body(runtime, decision, parsed.group))
        except ValidationError as exc:
            errors = [
                {
                    "field": f"items.{index}." + ".".join(str(p) for p in e["loc"]),
                    "message": e["msg"],
                }
                for e in exc.errors()
            ]
            results.append({"error": {"status": 422, "errors": errors}})
        except (RequestError, Problem) as exc:
            field = exc.field if isinstance(exc, RequestError) else "url"
            status = 422 if isinstance(exc, RequestError) else exc.status
            results.append(
                {
                    "error": {
                        "status": status,
                        "errors": [{"field": f"items.{index}.{field}", "message": str(exc)}],
                    }
                }
            )
    return json_response({"results": results})


TOGETHER: Together[tuple[Runtime, bytes], Response] = Together(_answer_filed)
"""Single decision requests, decided together when they are ready together."""


async def serve_decision(request: Request) -> Response:
    """``POST /v1/decisions``: the integrator's key, then the body, validated and decided
    with the others ready at the same time (:class:`~linkgate.api.together.Together`)."""
    await INTEGRATOR(request)
    raw = await read_json_bytes(request)
    return await TOGETHER.answer((request.app.state.runtime, raw))


async def serve_batch(request: Request) -> Response:
    """``POST /v1/decisions:batch``: the integrator's key, then the body. A batch whose items
    are all valid requests is validated in one pass (``ValidBatchIn``, about half the time
    of a dict per item validated again); any other is read as ``BatchIn`` (its errors as
    for any body) and its items validated one by one, so a bad item yields its entry."""
    await INTEGRATOR(request)
    raw = await read_json_bytes(request)
    runtime: Runtime = request.app.state.runtime
    try:
        return decide_batch(runtime, ValidBatchIn.model_validate_json(raw).items)
    except ValidationError:
        return decide_batch(runtime, validate_body(raw, BatchIn).items)


def _route(
    path: str,
    endpoint: Callable[[Any, Request, Caller], Awaitable[Response]],
    handler: Handler,
    **doc: Any,
) -> DirectRoute:
    """A direct ``POST`` route served by ``handler``, documented by ``endpoint``."""
    return DirectRoute(path, endpoint, handler=handler, methods=["POST"], tags=["decisions"], **doc)


routes = [
    _route(
        "/v1/decisions",
        post_decision,
        serve_decision,
        summary="Decide how a shared link may open",
        response_model=dict[str, Any],
    ),
    _route(
        "/v1/decisions:batch",
        post_batch,
        serve_batch,
        summary="Decide up to the batch limit of links, in order",
        response_model=BatchOut,
    ),
]

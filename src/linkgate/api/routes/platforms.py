"""The platform registry over HTTP: read a platform, replace its entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.domains.registry import Platform
from linkgate.runtime import Runtime, registry_from_documents

router = APIRouter(tags=["platforms"])


def platform_document(platform: Platform) -> dict[str, Any]:
    """A registry entry as served: the fields a platform's operators know."""
    return {
        "id": platform.id,
        "names": {"zh": platform.names.zh, "en": platform.names.en},
        "tier": platform.tier,
        "priority_rank": platform.priority_rank,
        "domains": list(platform.domains),
        "short_link_hosts": list(platform.short_link_hosts),
        "app_names": list(platform.app_names),
        "capabilities": sorted(platform.capabilities),
        "jsapi_safe_domains": list(platform.jsapi_safe_domains),
        "mini_programs": [{"app_id": m.app_id, "name": m.name} for m in platform.mini_programs],
        "contact": platform.contact,
    }


@router.get("/v1/platforms/{platform_id}")
async def get_platform(
    platform_id: str,
    request: Request,
    caller: Caller = Depends(require("operator", "platform", "reviewer")),
) -> dict[str, Any]:
    caller.check_platform(platform_id)
    runtime: Runtime = request.app.state.runtime
    stored = runtime.stores.platforms.get(platform_id)
    if stored is not None:
        return dict(stored.document)
    platform = runtime.gateway.snapshot.inspector.registry.get(platform_id)
    if platform is None:
        raise Problem(404, f"no platform {platform_id!r}")
    return platform_document(platform)


@router.put("/v1/platforms/{platform_id}")
async def put_platform(
    platform_id: str,
    document: dict[str, Any],
    request: Request,
    caller: Caller = Depends(require("operator")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    if document.get("id", platform_id) != platform_id:
        raise Problem(
            422,
            "the document's id differs from the URL",
            errors=[{"field": "id", "message": "must equal the path id"}],
        )
    document = {**document, "id": platform_id}
    others = [p.document for p in runtime.stores.platforms.all() if p.id != platform_id]
    try:
        registry_from_documents([*others, document])  # DataFileError → 422 with locations
    except ValueError as exc:
        raise Problem(422, str(exc), errors=[{"field": "domains", "message": str(exc)}]) from None
    runtime.stores.platforms.put(platform_id, document, caller.key_id)
    runtime.stores.audit.append(caller.key_id, "platform.put", platform_id, {})
    runtime.refresh_registry()
    return document

"""Group owners' link settings and members' opt-outs (called by the app's backend)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.api.schemas import (
    GroupSettingsIn,
    GroupSettingsOut,
    MemberSettingsIn,
    MemberSettingsOut,
)
from linkgate.runtime import Runtime

router = APIRouter(tags=["groups"])


def _group_out(group_id: str, setting: str, updated_at: datetime | None) -> GroupSettingsOut:
    return GroupSettingsOut.model_validate(
        {"group_id": group_id, "setting": setting, "updated_at": updated_at}
    )


@router.get("/v1/groups/{group_id}/link-settings")
async def get_group(
    group_id: str, request: Request, caller: Caller = Depends(require("integrator"))
) -> GroupSettingsOut:
    runtime: Runtime = request.app.state.runtime
    row = runtime.stores.groups.get_group(group_id)
    if row is None:
        return GroupSettingsOut(group_id=group_id, setting="allow")
    return _group_out(group_id, row.setting, row.updated_at)


@router.put("/v1/groups/{group_id}/link-settings")
async def put_group(
    group_id: str,
    body: GroupSettingsIn,
    request: Request,
    caller: Caller = Depends(require("integrator")),
) -> GroupSettingsOut:
    runtime: Runtime = request.app.state.runtime
    if len(group_id) > 256:
        raise Problem(422, "group_id is longer than 256 characters")
    row = runtime.stores.groups.set_group(group_id, body.setting, caller.key_id)
    runtime.group_cache.drop(("g", group_id))
    return _group_out(group_id, row.setting, row.updated_at)


@router.get("/v1/groups/{group_id}/members/{user_id}/link-settings")
async def get_member(
    group_id: str, user_id: str, request: Request, caller: Caller = Depends(require("integrator"))
) -> MemberSettingsOut:
    runtime: Runtime = request.app.state.runtime
    row = runtime.stores.groups.get_member(group_id, user_id)
    if row is None:
        return MemberSettingsOut(group_id=group_id, user_id=user_id, opt_out=False)
    return MemberSettingsOut(
        group_id=group_id, user_id=user_id, opt_out=row.opt_out, updated_at=row.updated_at
    )


@router.put("/v1/groups/{group_id}/members/{user_id}/link-settings")
async def put_member(
    group_id: str,
    user_id: str,
    body: MemberSettingsIn,
    request: Request,
    caller: Caller = Depends(require("integrator")),
) -> MemberSettingsOut:
    runtime: Runtime = request.app.state.runtime
    row = runtime.stores.groups.set_member(group_id, user_id, body.opt_out)
    runtime.group_cache.drop(("m", group_id, user_id))
    return MemberSettingsOut(
        group_id=group_id, user_id=user_id, opt_out=row.opt_out, updated_at=row.updated_at
    )

"""Wire schemas of the HTTP API (separate from the domain models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChannelName = Literal["private_chat", "group_chat", "moments", "official_account", "qr_scan"]
GroupSettingName = Literal["allow", "deny", "commerce_only", "content_only"]


class DecisionIn(BaseModel):
    """One decision request: the link as typed and where it is shared or opened."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The link exactly as the user typed or pasted it.")
    channel: ChannelName
    sender: str | None = Field(None, max_length=256, description="The sharing account.")
    group: str | None = Field(None, max_length=256, description="Group id (group_chat).")
    viewer: str | None = Field(None, max_length=256, description="The opening account.")
    at: datetime | None = Field(None, description="Decide as of this time (default: now).")
    group_setting: GroupSettingName | None = Field(
        None, description="Override the stored group setting for this request."
    )
    title: str | None = Field(
        None,
        max_length=1000,
        description="The link preview's title, when known; classified for violating content.",
    )
    description: str | None = Field(
        None,
        max_length=4000,
        description="The link preview's description, when known; classified like the title.",
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(description="Decision requests, decided in order.")


class BatchOut(BaseModel):
    results: list[dict[str, Any]]


class GroupSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    setting: GroupSettingName


class GroupSettingsOut(BaseModel):
    group_id: str
    setting: GroupSettingName
    updated_at: datetime | None = None


class MemberSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opt_out: bool = Field(description="True: this member does not receive external links.")


class MemberSettingsOut(BaseModel):
    group_id: str
    user_id: str
    opt_out: bool
    updated_at: datetime | None = None


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(description="The policy YAML.")
    author: str | None = Field(None, max_length=256)


class PolicyOut(BaseModel):
    revision: str
    name: str
    preset: str
    author: str | None
    created_at: datetime
    published_at: datetime | None
    published_by: str | None = None
    live: bool = False


class PolicyListOut(BaseModel):
    live: str | None
    items: list[PolicyOut]


class JsapiConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    channel: ChannelName = "private_chat"
    js_api_list: list[str] | None = Field(None, alias="jsApiList")


class JsapiTicketOut(BaseModel):
    ticket: str
    expires_in: int
    expires_at: datetime

"""Wire schemas of the HTTP API (separate from the domain models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from linkgate.vocabulary import ReportCategory

MAX_POSITION = 2**63 - 1
"""Largest sequence number or offset a query may name (the stores' 64-bit integers)."""

ChannelName = Literal["private_chat", "group_chat", "moments", "official_account", "qr_scan"]
GroupSettingName = Literal["allow", "deny", "commerce_only", "content_only"]
ReportCategoryName = ReportCategory
ScopeName = Literal["url", "path", "domain", "platform"]
TreatmentName = Literal["mini_program", "rich_page", "plain_page", "copy_only", "blocked"]


class DecisionIn(BaseModel):
    """One decision request: the link as typed and where it is shared or opened."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The link exactly as the user typed or pasted it.")
    channel: ChannelName
    sender: str | None = Field(None, max_length=256, description="The sharing account.")
    group: str | None = Field(None, max_length=256, description="Group id (group_chat).")
    viewer: str | None = Field(None, max_length=256, description="The opening account.")
    recipient: str | None = Field(
        None,
        max_length=256,
        description="The receiving account of a one-to-one share (for sender anti-spam counts).",
    )
    at: datetime | None = Field(None, description="Decide as of this time (default: now).")
    group_setting: GroupSettingName | None = Field(
        None, description="Override the stored group setting for this request."
    )
    viewer_opt_out: bool | None = Field(
        None,
        description="The viewer opted out of external links (group_chat); overrides the store.",
    )
    recipients: list[Annotated[str, Field(max_length=256)]] | None = Field(
        None,
        max_length=100,
        description="The accounts one share reaches (each counts as a recipient for sender "
        "anti-spam); the decision itself does not depend on them.",
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


class ValidBatchIn(BaseModel):
    """A batch whose every item is a valid :class:`DecisionIn`: validated in one pass,
    the common case. A batch with a bad item is read as :class:`BatchIn` instead and each
    item validated on its own, so that a bad item yields an error entry."""

    model_config = ConfigDict(extra="forbid")

    items: list[DecisionIn]


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


class ReportIn(BaseModel):
    """A user's complaint against a link."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=8192, description="The reported link, as shared.")
    category: ReportCategoryName
    reporter: str = Field(min_length=1, max_length=256, description="The reporting account.")
    channel: ChannelName | None = None
    group: str | None = Field(None, max_length=256)
    message_id: str | None = Field(None, max_length=256)
    comment: str | None = Field(None, max_length=2000)
    reporter_created_at: datetime | None = Field(
        None, description="When the reporting account was created (new accounts count less)."
    )
    reporter_inviter: str | None = Field(
        None, max_length=256, description="Who invited the reporting account, if known."
    )


class ReportOut(BaseModel):
    report_id: str
    status: str
    created: bool = Field(description="False when this reporter had already reported this link.")
    restricted: bool = Field(description="Whether the link is restricted pending review.")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "rejected"]
    category: ReportCategoryName | None = None
    note: str = Field("", max_length=4000)


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="A block id (blk_…) or a credit event id (cev_…).")
    reason: str = Field(min_length=1, max_length=4000)
    evidence_url: str | None = Field(None, max_length=2048)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["granted", "denied"]
    note: str = Field("", max_length=4000)


class BlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeName
    target: str = Field(
        min_length=1,
        max_length=8192,
        description="A URL (url, path scopes), a domain (domain) or a platform id (platform).",
    )
    treatment: TreatmentName = "blocked"
    reason: str = Field("enforcement_block", max_length=64)
    category: ReportCategoryName | None = None
    expires_at: datetime | None = None
    note: str = Field("", max_length=4000)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeName
    target: str = Field(min_length=1, max_length=8192)
    expires_at: datetime = Field(description="Overrides always expire.")
    note: str = Field(min_length=1, max_length=4000, description="Why (audited).")


class ViolationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=8192)
    category: ReportCategoryName
    note: str = Field("", max_length=4000)


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class AccountAppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)
    action_id: str | None = Field(None, description="The action appealed (default: the latest).")

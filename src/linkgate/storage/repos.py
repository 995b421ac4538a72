"""The stores, one per aggregate, each built on an :class:`~sqlalchemy.engine.Engine`."""

from __future__ import annotations

from linkgate.storage.audit import AuditEntry, AuditLog, AuditProblem
from linkgate.storage.events import EventStore
from linkgate.storage.groups import GroupSetting, GroupStore, MemberSetting
from linkgate.storage.keys import KeyRecord, KeyStore
from linkgate.storage.platforms import PlatformRecord, PlatformStore
from linkgate.storage.policies import PolicyRevision, PolicyStore
from linkgate.storage.threat_lists import ThreatListRecord, ThreatListStore

__all__ = [
    "AuditEntry",
    "AuditLog",
    "AuditProblem",
    "EventStore",
    "GroupSetting",
    "GroupStore",
    "KeyRecord",
    "KeyStore",
    "MemberSetting",
    "PlatformRecord",
    "PlatformStore",
    "PolicyRevision",
    "PolicyStore",
    "ThreatListRecord",
    "ThreatListStore",
]

"""From a message's decisions to what happens to the message, and the words users see.

- A link whose decision is ``blocked``, or carries a reason the operator
  listed in ``refuse_reasons`` (by default ``group_denied``: the room's
  moderators turned links off), refuses the whole message; the sender gets
  an error naming each such link, the reason text and the category.
- A link that may open is rewritten to its shim URL.
- A ``copy_only`` link (or one that may open but has no shim URL) stays as
  text, not linkified, with the copy-only notice and its reason.
- Pass-codes are never rewritten; they only refuse a message when blocked.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from linkgate.matrix.deciders import Verdict
from linkgate.matrix.messages import MessageLink, Rendering
from linkgate.web.i18n import CATEGORY_NAMES, TEXTS

_NOT_SENT = {"zh": "消息未发送：", "en": "Message not sent: "}
_JOIN = {"zh": "；", "en": "; "}
_UNAVAILABLE = {
    "zh": "消息未发送：暂时无法检查消息中的链接，请稍后重试。",
    "en": "Message not sent: the links in it cannot be checked right now; try again later.",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do with one message."""

    refused: tuple[tuple[MessageLink, Verdict], ...] = ()
    renderings: Mapping[tuple[str, str], Rendering] = field(default_factory=dict)
    copy_only: tuple[tuple[MessageLink, Verdict], ...] = ()

    @property
    def changes_content(self) -> bool:
        return bool(self.renderings)


def refuses(verdict: Verdict, refuse_reasons: Collection[str]) -> bool:
    return verdict.treatment == "blocked" or any(r in refuse_reasons for r in verdict.reasons)


def plan(
    links: Sequence[MessageLink],
    verdicts: Mapping[MessageLink, Verdict],
    refuse_reasons: Collection[str],
) -> Plan:
    """The plan for a message whose ``links`` were decided as ``verdicts``.

    A link without a verdict (a pass-code of a platform without a domain) is
    left as written.
    """
    refused: list[tuple[MessageLink, Verdict]] = []
    copy_only: list[tuple[MessageLink, Verdict]] = []
    renderings: dict[tuple[str, str], Rendering] = {}
    for link in links:
        verdict = verdicts.get(link)
        if verdict is None:
            continue
        if refuses(verdict, refuse_reasons):
            refused.append((link, verdict))
        elif link.kind == "passcode":
            continue
        elif verdict.openable and verdict.shim_url:
            renderings[link.key] = Rendering("open", verdict.shim_url)
        else:
            renderings[link.key] = Rendering("copy_only")
            copy_only.append((link, verdict))
    return Plan(tuple(refused), renderings, tuple(copy_only))


def reason_of(verdict: Verdict, language: str) -> str | None:
    text = verdict.reason_text.get(language) or verdict.reason_text.get("zh")
    return text or None


def refusal_message(refused: Sequence[tuple[MessageLink, Verdict]], language: str) -> str:
    """The error the sender reads: each refused link with its reason and category."""
    texts = TEXTS[language]
    names = CATEGORY_NAMES[language]
    parts: list[str] = []
    for link, verdict in refused:
        reason = reason_of(verdict, language) or texts["blocked_title"]
        part = f"{link.text} — {reason}"
        if verdict.category:
            name = names.get(verdict.category, verdict.category)
            label = texts["blocked_category"]
            part += f"（{label}：{name}）" if language == "zh" else f" ({label}: {name})"
        parts.append(part)
    return _NOT_SENT[language] + _JOIN[language].join(parts)


def refusal_details(refused: Sequence[tuple[MessageLink, Verdict]]) -> list[dict[str, Any]]:
    """Machine-readable refusal, returned to the client beside the error text."""
    return [
        {
            "link": link.text,
            "url": verdict.url,
            "treatment": verdict.treatment,
            "reasons": list(verdict.reasons),
            "category": verdict.category,
            "reason_text": dict(verdict.reason_text),
            "decision_id": verdict.decision_id,
        }
        for link, verdict in refused
    ]


def unavailable_message(language: str) -> str:
    return _UNAVAILABLE[language]


def copy_only_notices(copy_only: Sequence[tuple[MessageLink, Verdict]], language: str) -> list[str]:
    """One notice line per distinct reason among the copy-only links."""
    base = TEXTS[language]["copy_only_text"]
    lines: list[str] = []
    for _, verdict in copy_only:
        reason = reason_of(verdict, language)
        if reason is None:
            line = base
        else:
            line = f"{base}（{reason}）" if language == "zh" else f"{base} ({reason})"
        if line not in lines:
            lines.append(line)
    return lines

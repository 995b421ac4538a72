"""A structured diff of two policies' documents: what was added, removed or changed, by path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    op: str  # "added" | "removed" | "changed"
    path: str
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "added":
            out["old"] = self.old
        if self.op != "removed":
            out["new"] = self.new
        return out


def _key(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    """Differences from ``old`` to ``new``; lists of mappings with ``id`` are matched by id."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(Change("removed", sub, old[key]))
            elif key not in old:
                out.append(Change("added", sub, new=new[key]))
            else:
                out.extend(diff(old[key], new[key], sub))
        return out
    if isinstance(old, list) and isinstance(new, list):
        if all(_key(i) is not None for i in [*old, *new]):
            olds = {_key(i): i for i in old}
            news = {_key(i): i for i in new}
            return diff(olds, news, path)
        if old == new:
            return []
        return [Change("changed", path, old, new)]
    if old != new:
        return [Change("changed", path, old, new)]
    return []

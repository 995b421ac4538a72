from collections.abc import Callable
from typing import Any

from linkgate.enforcement.counters import Share
from linkgate.enforcement.spam import Counts

class Windows:
    def __init__(
        self,
        steps: tuple[tuple[int, Any, float], ...],
        counts: type[Counts],
        *,
        hash_bits: int = 64,
    ) -> None: ...
    def __len__(self) -> int: ...
    def observe(self, share: Share) -> Counts: ...
    def live(self) -> list[tuple[dict[str, int], dict[str, float], int]]: ...

class Gate:
    """``observe(share, plan)`` straight into ``windows`` while ``plan`` is the gate's and
    its countdown lasts; every other call goes to ``slow``."""

    left: int
    def __init__(
        self,
        windows: Windows,
        plan: object,
        left: int,
        slow: Callable[[Share, Any], Counts],
    ) -> None: ...
    def __call__(self, share: Share, plan: Any) -> Counts: ...

class Builder:
    """``Builder(cls, size)(*fields)``: a new instance of the tuple subclass ``cls``."""

    def __init__(self, type: type[tuple[Any, ...]], size: int) -> None: ...
    def __call__(self, *fields: Any) -> Any: ...

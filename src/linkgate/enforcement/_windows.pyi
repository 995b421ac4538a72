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

from collections.abc import Callable

class Matcher:
    def __init__(
        self,
        rules: frozenset[str],
        wildcards: frozenset[str],
        exceptions: frozenset[str],
        max_labels: int,
        fallback: Callable[[str], str | None],
    ) -> None: ...
    def __call__(self, host: str, /) -> str | None: ...

from typing import Any

class Builder:
    """``Builder(cls, names, defaults)(*values)``: a new ``cls`` with the slots ``names`` set
    to ``values`` and each ``(name, value)`` of ``defaults`` set; for a subclass of tuple,
    ``names`` are its fields and the values its items."""

    def __init__(
        self, cls: type, names: tuple[str, ...], defaults: tuple[tuple[str, Any], ...]
    ) -> None: ...
    def __call__(self, *values: Any) -> Any: ...

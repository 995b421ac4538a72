from typing import TypeVar

T = TypeVar("T")

def untracked(record: T, /) -> T: ...

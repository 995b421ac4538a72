from __future__ import annotations

import re

from linkgate.ids import Ids


def test_ids_are_unique_within_and_across_objects() -> None:
    first, second = Ids("s"), Ids("s")
    made = [first.next() for _ in range(1000)] + [second.next() for _ in range(1000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"s[0-9a-f]{12}[0-9a-f]{10}", i) for i in made)
    assert made[0][:13] != made[1000][:13]
    assert made[1] > made[0]

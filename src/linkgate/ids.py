"""Process-unique ids that cost no system call: a random prefix and a counter.

Decision ids and share-event ids are made once per request on the hot path.
Reading the operating system's random source for each costs a system call,
which in some sandboxes is tens of microseconds; a prefix read once per
:class:`Ids` object (one per process: objects are made after any fork) and a
counter are as unique and cost a string format.
"""

from __future__ import annotations

import itertools
import os


class Ids:
    """Ids ``<letter><12 hex random digits><10+ hex counter digits>``, unique per object."""

    def __init__(self, letter: str) -> None:
        self._prefix = letter + os.urandom(6).hex()
        self._counter = itertools.count(1)
        # The prefix and the counter's format, bound once (a third cheaper than an f-string).
        self._format = (self._prefix.replace("%", "%%") + "%010x").__mod__

    def next(self) -> str:
        return self._format(next(self._counter))

"""Requests answered together when they are ready together (see :class:`Together`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Filed = list[tuple[T, asyncio.Future[R]]]


class Together(Generic[T, R]):
    """Requests that are ready together are answered together, back to back.

    Under concurrent load the server reads many requests in one turn of its event loop
    and then runs their handlers one after another, each deciding and then sending its
    answer. Sending runs the network stack, and the decision's code and data (the
    policy, registry, counters and the interpreter's own, several hundred kilobytes)
    must then come back into the caches for the next request: measured on a real
    socket, a single decision request cost the server three to four times what the same
    decision costs in a loop. Here (:meth:`answer`) the first handler to come yields
    once, so that every handler already due comes too and files its request; then it
    answers them all, its own first, in the order they came (``answer(request)``), hands
    each the answer or the exception it made, and goes on with its own. A request on its
    own waits one turn of the loop, nothing more; the handlers that filed theirs go on in
    the next.
    """

    def __init__(self, answer: Callable[[T], R]) -> None:
        self._answer = answer
        self._filed: dict[asyncio.AbstractEventLoop, Filed[T, R]] = {}

    async def answer(self, request: T) -> R:
        """The answer to ``request``, made in one pass with the requests ready with it."""
        loop = asyncio.get_running_loop()
        filed = self._filed.get(loop)
        if filed is not None:  # another handler came first: its pass answers this one
            future: asyncio.Future[R] = loop.create_future()
            filed.append((request, future))
            return await future
        filed = self._filed[loop] = []
        try:
            await asyncio.sleep(0)  # the handlers already due file theirs meanwhile
        except BaseException:
            # Cancelled while waiting (the server is stopping, say): those that filed
            # meanwhile are answered in a pass of their own.
            loop.call_soon(self._answer_filed, loop)
            raise
        del self._filed[loop]
        try:
            own = self._answer(request)
        finally:  # answered or failed, this request leaves none of the others waiting
            self._answer_all(filed)
        return own

    def _answer_filed(self, loop: asyncio.AbstractEventLoop) -> None:
        self._answer_all(self._filed.pop(loop, []))

    def _answer_all(self, filed: Filed[T, R]) -> None:
        answer = self._answer
        try:
            for request, future in filed:
                if future.cancelled():  # its handler was cancelled meanwhile
                    continue
                try:
                    future.set_result(answer(request))
                except Exception as exc:  # the request's own failure, answered as before
                    future.set_exception(exc)
        except BaseException:  # left early (the process is stopping): no handler waits for ever
            for _, future in filed:
                future.cancel()
            raise

"""Requests ready together are answered together: in one pass, in order, each its own answer."""

from __future__ import annotations

import asyncio
import threading

import httpx

from linkgate.api.together import Together
from tests.api.conftest import Api

JD = "https://item.jd.com/100012043978.html"


def test_requests_ready_together_are_answered_in_one_pass_in_order() -> None:
    log: list[tuple[str, int]] = []

    def answer(n: int) -> int:
        log.append(("answered", n))
        return n * 10

    together: Together[int, int] = Together(answer)

    async def handler(n: int) -> int:
        got = await together.answer(n)
        log.append(("resumed", n))
        return got

    async def main() -> list[int]:
        return await asyncio.gather(*(handler(n) for n in range(5)))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    # Every answer was made before any handler went on: one pass, not five.
    assert log == [*(("answered", n) for n in range(5)), *(("resumed", n) for n in range(5))]


def test_the_first_handler_goes_on_in_the_pass_and_the_others_in_the_next_turn() -> None:
    # A turn of the loop is counted by a callback that schedules itself again.
    turn = 0
    answered_in: list[int] = []
    resumed_in: dict[int, int] = {}

    def answer(n: int) -> int:
        answered_in.append(turn)
        return n

    together: Together[int, int] = Together(answer)

    async def handler(n: int) -> None:
        await together.answer(n)
        resumed_in[n] = turn

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def tick() -> None:
            nonlocal turn
            turn += 1
            loop.call_soon(tick)

        loop.call_soon(tick)
        await asyncio.gather(*(handler(n) for n in range(3)))
        await asyncio.gather(handler(3))  # on its own

    asyncio.run(main())
    first_pass, second_pass = answered_in[0], answered_in[3]
    assert answered_in == [first_pass] * 3 + [second_pass]
    # The first handler went on with its answer at once; the others in the next turn.
    assert resumed_in == {0: first_pass, 1: first_pass + 1, 2: first_pass + 1, 3: second_pass}


def _failing_on(bad: int) -> tuple[Together[int, int], list[int]]:
    """A Together answering each request with itself, but failing ``bad``; and what it
    answered, in order."""
    answered: list[int] = []

    def answer(n: int) -> int:
        answered.append(n)
        if n == bad:
            raise ValueError(f"bad request {bad}")
        return n

    return Together(answer), answered


def test_the_others_are_answered_when_the_first_is_cancelled_or_fails() -> None:
    together, answered = _failing_on(10)

    async def cancelled_first() -> list[object]:
        tasks = [asyncio.ensure_future(together.answer(n)) for n in range(3)]
        await asyncio.sleep(0)  # all three started: the first waits for its pass
        tasks[0].cancel()
        # Bounded: a follower left without its pass would wait for ever.
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)

    results = asyncio.run(cancelled_first())
    assert isinstance(results[0], asyncio.CancelledError) and results[1:] == [1, 2]
    assert answered == [1, 2]

    async def failing_first() -> list[object]:
        return await asyncio.gather(
            *(together.answer(n) for n in (10, 11, 12)), return_exceptions=True
        )

    results = asyncio.run(failing_first())
    assert isinstance(results[0], ValueError) and results[1:] == [11, 12]


def test_a_failing_request_fails_alone_and_a_cancelled_one_is_not_answered() -> None:
    together, answered = _failing_on(1)

    async def main() -> list[object]:
        tasks = [asyncio.ensure_future(together.answer(n)) for n in range(4)]
        tasks[2].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(main())
    assert results[0] == 0 and results[3] == 3
    assert isinstance(results[1], ValueError) and str(results[1]) == "bad request 1"
    assert isinstance(results[2], asyncio.CancelledError)
    assert answered == [0, 1, 3]


def test_later_requests_start_another_pass_and_loops_keep_their_own() -> None:
    passes: list[list[int]] = [[]]

    def answer(n: int) -> int:
        passes[-1].append(n)
        return n

    together: Together[int, int] = Together(answer)

    async def main(base: int) -> list[int]:
        first = await asyncio.gather(together.answer(base), together.answer(base + 1))
        second = await together.answer(base + 2)
        return [*first, second]

    assert asyncio.run(main(0)) == [0, 1, 2]
    # Two loops in two threads at once: each loop's requests are answered in its own loop.
    results: dict[int, list[int]] = {}

    def run(base: int) -> None:
        results[base] = asyncio.run(main(base))

    threads = [threading.Thread(target=run, args=(b,)) for b in (100, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == {100: [100, 101, 102], 200: [200, 201, 202]}


def test_concurrent_decision_requests_each_get_their_own_answer(api: Api) -> None:
    headers = api.headers("integrator")
    urls = [f"https://item.jd.com/{n}.html" for n in range(12)]
    too_long = JD + "?" + "a" * 9000  # the limit is 8,192 characters

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            bodies = [{"url": u, "channel": "private_chat", "sender": "s"} for u in urls]
            bodies.insert(5, {"url": too_long, "channel": "private_chat"})
            bodies.insert(7, {"url": JD, "channel": "nowhere"})
            return await asyncio.gather(
                *(c.post("/v1/decisions", json=b, headers=headers) for b in bodies)
            )

    responses = asyncio.run(main())
    assert responses[5].status_code == 414
    assert responses[5].headers["content-type"] == "application/problem+json"
    assert responses[7].status_code == 422
    ok = [r for i, r in enumerate(responses) if i not in (5, 7)]
    assert [r.status_code for r in ok] == [200] * len(urls)
    assert [r.json()["url"] for r in ok] == urls
    assert len({r.json()["decision_id"] for r in ok}) == len(urls)


def test_decisions_one_at_a_time_still_answer(api: Api) -> None:
    for _ in range(3):
        response = api.client.post(
            "/v1/decisions",
            json={"url": JD, "channel": "private_chat"},
            headers=api.headers("integrator"),
        )
        assert response.status_code == 200 and response.json()["treatment"] == "rich_page"

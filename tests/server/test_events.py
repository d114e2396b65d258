import asyncio
import threading

from lo_server.events import QUEUE_SIZE, EventBus


def test_events_from_other_threads_reach_every_subscriber():
    async def scenario():
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        with bus.subscribe() as first, bus.subscribe() as second:
            threading.Thread(target=bus.publish, args=({"name": "a"},)).start()
            got = await asyncio.wait_for(first.get(), 5), await asyncio.wait_for(second.get(), 5)
        assert [e["name"] for e in got] == ["a", "a"] and "time" in got[0]
        bus.publish({"name": "after"})  # nobody listens any more: no error

    asyncio.run(scenario())


def test_a_named_subscription_gets_only_that_artifacts_events():
    async def scenario():
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        with bus.subscribe("a") as only_a, bus.subscribe() as everything:
            for name in ("b", "a", "c", "a"):
                bus.publish({"name": name, "status": "running"})
            await asyncio.sleep(0)
            assert only_a.qsize() == 2 and everything.qsize() == 4
            assert {(await only_a.get())["name"] for _ in range(2)} == {"a"}
        assert bus._queues == {}  # every subscription ended with its block

    asyncio.run(scenario())


def test_a_slow_subscriber_keeps_the_newest_events():
    async def scenario():
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        with bus.subscribe() as queue:
            for i in range(QUEUE_SIZE + 10):
                bus.publish({"i": i})
            assert queue.qsize() == QUEUE_SIZE
            assert (await queue.get())["i"] == 10

    asyncio.run(scenario())


def test_publishing_before_the_loop_is_bound_is_harmless():
    EventBus().publish({"name": "x"})

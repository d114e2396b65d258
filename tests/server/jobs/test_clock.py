import threading

from lo_server.jobs.clock import Clock


def test_the_clock_keeps_firing_after_an_error():
    calls = []
    done = threading.Event()

    def fire(now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("a broken schedule")
        done.set()

    clock = Clock(fire, interval=0.01)
    clock.start()
    assert done.wait(5)
    clock.stop()
    assert len(calls) >= 2 and calls == sorted(calls)

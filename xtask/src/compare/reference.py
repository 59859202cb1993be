"""Python's own answer, measured the way oneoff-probe measures the Rust backends.

Run by `cargo xtask compare` as `python3 -c <this> MODE ARG DELAY_NS [REPS TARGET_US]`. It ends
stdout with one JSON line: in the cold modes of the same shape as oneoff-probe's report
(`oneoff_probe::ColdReport`, durations in nanoseconds), so both are read by the same code; in
`warm`, ns per call by the names of compare's warm variants.

Modes: `cold-plain` (no asyncio at all: the Python baseline), `cold-run` (asyncio.run),
`cold-runner` (asyncio.Runner, one call), `warm` (ns per call, asyncio.run against a kept
asyncio.Runner, on a coroutine that yields once; then the round trip of
`asyncio.run_coroutine_threadsafe(ready(), loop).result()` to a loop running on another thread,
the reference of oneoff's `BlockingPortal::call`).
"""

import json
import sys
import threading
import time

STARTED = "Coroutine has started"
DONE = "Coroutine is done"


def status(field):
    """A number from /proc/self/status (Linux), or None."""
    try:
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


stamps = {}


def line(text):
    if text == DONE:
        stamps["done_begun"] = time.perf_counter_ns()
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    if text == STARTED:
        stamps["started_out"] = time.perf_counter_ns()


def cold(mode, arg, delay_ns):
    delay = delay_ns / 1e9
    construct = teardown = None
    if mode == "cold-plain":
        line(STARTED)
        time.sleep(delay)
        line(DONE)
        result = arg * 100
        threads_during = status("Threads:")
    else:
        import asyncio

        async def work(arg):
            stamps["first_poll"] = time.perf_counter_ns()
            line(STARTED)
            await asyncio.sleep(delay)
            line(DONE)
            stamps["done"] = time.perf_counter_ns()
            stamps["threads_during"] = status("Threads:")
            return arg * 100

        called = time.perf_counter_ns()
        if mode == "cold-run":
            result = asyncio.run(work(arg))
        elif mode == "cold-runner":
            with asyncio.Runner() as runner:
                result = runner.run(work(arg))
        else:
            raise SystemExit(f"unknown mode {mode}")
        returned = time.perf_counter_ns()
        construct = stamps["first_poll"] - called
        teardown = returned - stamps["done"]
        threads_during = stamps["threads_during"]
    return {
        "result": result,
        "construct_to_first_poll_ns": construct,
        "timer_ns": stamps["done_begun"] - stamps["started_out"],
        "teardown_ns": teardown,
        "threads_during": threads_during,
        "threads_after": status("Threads:"),
        "peak_rss_kib": status("VmHWM:"),
    }


def ns_per_call(reps, target_ns, call):
    """Median ns per call over reps batches, each sized to take about target_ns."""
    batch = 1
    while True:
        started = time.perf_counter_ns()
        for _ in range(batch):
            call()
        took = time.perf_counter_ns() - started
        if took >= target_ns / 10 or batch >= 1 << 30:
            break
        batch *= 2
    batch = max(1, int(target_ns / (took / batch) + 0.5))
    samples = []
    for _ in range(max(1, reps)):
        started = time.perf_counter_ns()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter_ns() - started) / batch)
    samples.sort()
    # The median by nearest rank, as oneoff_workloads::stats takes it: the lower middle value.
    return samples[(len(samples) + 1) // 2 - 1]


def warm(reps, target_ns):
    import asyncio

    async def ready():
        return 1

    async def yield_once():
        await asyncio.sleep(0)

    figures = {"one_shot_yield": ns_per_call(reps, target_ns, lambda: asyncio.run(yield_once()))}
    with asyncio.Runner() as runner:
        figures["reused_yield"] = ns_per_call(reps, target_ns, lambda: runner.run(yield_once()))
    figures["portal_call"] = threadsafe_call_ns(reps, target_ns, ready)
    return figures


def threadsafe_call_ns(reps, target_ns, ready):
    """ns per asyncio.run_coroutine_threadsafe(ready(), loop).result() from this thread, to a
    loop running on a daemon thread; the loop is stopped and its thread joined at the end."""
    import asyncio

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="reference-loop", daemon=True)
    thread.start()

    def call():
        asyncio.run_coroutine_threadsafe(ready(), loop).result()

    try:
        for _ in range(1000):
            call()
        return ns_per_call(reps, target_ns, call)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def main():
    mode, arg, delay_ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "warm":
        report = warm(int(sys.argv[4]), int(sys.argv[5]) * 1000)
    else:
        report = cold(mode, arg, delay_ns)
    print(json.dumps(report), flush=True)


main()

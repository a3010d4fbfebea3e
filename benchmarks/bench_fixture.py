"""What the pytest plugin costs: the session start, and per test the reset plus a one-line batch run.

Run: python benchmarks/bench_fixture.py [--tests 200]

- session start: importing the server (aiohttp, pydantic models, ...) and starting it on a free port, as the
  session fixture does once per run (per xdist worker);
- fixture overhead: the work the `batch_emulator` fixture does around every test (handle, reset, handler-error
  check, closing clients), through the in-process path and through HTTP (the `--batch-emulator-url` path);
- reset + batch: the fixture's work plus a test that uploads one line, creates a batch, runs it to completion
  with `run_until_idle()`, retrieves it and downloads the output with the openai SDK.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

START = time.perf_counter()
from emulator.server import ThreadedEmulator  # noqa: E402 - the import is part of what is measured

IMPORTED = time.perf_counter()

from emulator.config import EmulatorConfig  # noqa: E402
from emulator.testing.handle import EmulatorConnection, EmulatorHandle, InProcessConnection  # noqa: E402

LINE = (
    b'{"custom_id": "row-1", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}\n'
)


def fixture_cycle(connection: EmulatorConnection, test: Callable[[EmulatorHandle], None] | None = None) -> None:
    """The fixture's setup and teardown around one test body."""
    handle = EmulatorHandle(connection)
    handle.start()
    if test is not None:
        test(handle)
    handle.close()
    assert handle.take_handler_errors() == []


def one_line_batch(handle: EmulatorHandle) -> None:
    client = handle.openai(max_retries=0)
    file = client.files.create(file=("in.jsonl", io.BytesIO(LINE)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    handle.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed" and done.output_file_id
    assert client.files.content(done.output_file_id).content


def per_test_ms(tests: int, run: Callable[[], None]) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    for _ in range(min(10, tests)):
        run()  # warm-up: first SDK requests, lazy imports
    samples = []
    for _ in range(tests):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=200, help="simulated tests per measurement")
    args = parser.parse_args()

    began = time.perf_counter()
    server = ThreadedEmulator(EmulatorConfig(port=0, clock="manual")).start()
    started = time.perf_counter()
    print(f"session start: {(started - START) * 1000:7.1f} ms", end="")
    print(f"  (import {(IMPORTED - START) * 1000:.1f} ms, server start {(started - began) * 1000:.1f} ms)")
    try:
        paths = {"in-process": InProcessConnection(server), "http": EmulatorConnection(server.url)}
        for name, connection in paths.items():
            median, p95 = per_test_ms(args.tests, lambda c=connection: fixture_cycle(c))
            print(f"fixture overhead ({name:10}): median {median:6.2f} ms   p95 {p95:6.2f} ms")
        for name, connection in paths.items():
            median, p95 = per_test_ms(args.tests, lambda c=connection: fixture_cycle(c, one_line_batch))
            print(f"reset + batch    ({name:10}): median {median:6.2f} ms   p95 {p95:6.2f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

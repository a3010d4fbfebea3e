"""Server CPU time per request with and without contract mode, for the requests a batch client makes.

Run: python benchmarks/bench_contract.py [--rounds 400]

One in-process server (manual clock) whose contract mode is switched on and off in turns; the openai SDK sends
each kind of request `--rounds` times in each mode. The server thread's CPU time (`time.thread_time()`, so
other work on the machine does not count) is read around each slice of requests. A warm-up request, not
counted, loads the document and compiles the operation's schemas. Prints microseconds of server CPU per
request in each mode and their ratio (the target: at most 2).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from typing import Any

import openai

from emulator.config import EmulatorConfig
from emulator.contract.validator import wait_for_compiled
from emulator.server import ThreadedEmulator

LINE = (
    b'{"custom_id": "r", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}\n'
)


def _kinds(client: openai.OpenAI, file_id: str, batch_id: str) -> dict[str, Callable[[], Any]]:
    def bad_limit() -> None:
        with contextlib.suppress(openai.BadRequestError):
            client.batches.list(extra_query={"limit": "abc"})

    return {
        "retrieve batch": lambda: client.batches.retrieve(batch_id),
        "list batches": lambda: client.batches.list(limit=20),
        "create batch": lambda: client.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"k": "v"}
        ),
        "upload file": lambda: client.files.create(file=("in.jsonl", io.BytesIO(LINE * 20)), purpose="batch"),
        "list files": lambda: client.files.list(limit=20),
        "chat completion": lambda: client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        ),
        "400 error": bad_limit,
    }


def measure(rounds: int, slices: int = 10) -> dict[str, tuple[float, float]]:
    """Server CPU microseconds per request of each kind, without and with contract mode. The two modes take
    turns in `slices` slices on the same server, so that drift in the machine's load hits both alike."""
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual")) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0)
        file_id = client.files.create(file=("in.jsonl", io.BytesIO(LINE)), purpose="batch").id
        batch_id = client.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
        ).id
        monitor = server.backend.contract
        results = {}
        for name, call in _kinds(client, file_id, batch_id).items():
            server.call(lambda: monitor.set_enabled(True))
            call()  # warm-up: builds the operation's validators
            wait_for_compiled()
            spent = {False: 0.0, True: 0.0}
            for _ in range(slices):
                for enabled in (False, True):
                    server.call(lambda enabled=enabled: monitor.set_enabled(enabled))
                    before = server.call(time.thread_time)
                    for _ in range(rounds // slices):
                        call()
                    spent[enabled] += server.call(time.thread_time) - before
                server.call(monitor.clear)
            count = slices * (rounds // slices)
            results[name] = (spent[False] / count * 1e6, spent[True] / count * 1e6)
        client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    print(f"{'request':<16} {'plain us':>9} {'contract us':>12} {'ratio':>6}")
    for name, (plain, checked) in measure(rounds).items():
        print(f"{name:<16} {plain:>9.0f} {checked:>12.0f} {checked / plain:>6.2f}")


if __name__ == "__main__":
    main()

"""Many clients at once: N concurrent pollers against one server while batches are created and processed.

Run: python benchmarks/bench_load.py [--pollers 200] [--seconds 120] [--mode both|memory|data-dir]
                                     [--speed 600] [--batch-every 0.5] [--lines 20]

The server runs with a fast real clock (`--clock real --speed 600`: a 20-line batch validates, runs and
finalizes in well under a wall second), once in memory and once with `--data-dir`. For `--seconds`:
- a producer uploads a `--lines`-line input and creates a batch every `--batch-every` seconds;
- each poller, in a closed loop (next request when the previous answer is in), picks one of: retrieve a
  batch, list batches (limit 20), list files, download an output file (all requests of the real API, over
  one aiohttp session with a connection per poller).
Every answer must be a 2xx (a download that gets a 404 because the file was not made yet counts as an error:
pollers only download ids a batch reported). Printed per mode: requests, errors, requests per second, p50 and
p99 latency, batches created and completed, and the server's RSS at start, after a warm-up (the first 20% of
the run), and at the end. Pollers and server share the machine, so latency includes client CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

import aiohttp
import orjson
from _support import ServerProcess, machine, mb, scratch_dir

KEY = {"Authorization": "Bearer sk-bench"}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    batches: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    created: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def input_file(lines: int, seed: int) -> bytes:
    rows = [
        orjson.dumps(
            {
                "custom_id": f"c-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"question {i} of batch {seed}"}],
                    "max_tokens": 20,
                },
            }
        )
        for i in range(lines)
    ]
    return b"\n".join(rows) + b"\n"


async def produce(session: aiohttp.ClientSession, url: str, tally: Tally, args: argparse.Namespace, end: float) -> None:
    """Upload an input and create a batch every `--batch-every` seconds."""
    count = 0
    while time.monotonic() < end:
        form = aiohttp.FormData()
        form.add_field("purpose", "batch")
        form.add_field("file", input_file(args.lines, count), filename=f"in-{count}.jsonl")
        try:
            async with session.post(f"{url}/v1/files", data=form, headers=KEY) as answer:
                file = await answer.json()
                answer.raise_for_status()
            body = {"input_file_id": file["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}
            async with session.post(f"{url}/v1/batches", json=body, headers=KEY) as answer:
                batch = await answer.json()
                answer.raise_for_status()
            tally.batches.append(batch["id"])
            tally.created += 1
        except (aiohttp.ClientError, KeyError) as exc:
            tally.error(f"produce: {type(exc).__name__}")
        count += 1
        await asyncio.sleep(args.batch_every)


async def poll(session: aiohttp.ClientSession, url: str, tally: Tally, end: float, rng: random.Random) -> None:
    """Closed-loop requests until `end`."""
    while time.monotonic() < end:
        choice = rng.random()
        if choice < 0.4 and tally.batches:
            path = f"/v1/batches/{rng.choice(tally.batches)}"
        elif choice < 0.6:
            path = "/v1/batches?limit=20"
        elif choice < 0.75:
            path = "/v1/files"
        elif tally.outputs:
            path = f"/v1/files/{rng.choice(tally.outputs)}/content"
        else:
            path = "/v1/batches?limit=20"
        started = time.perf_counter()
        try:
            async with session.get(url + path, headers=KEY) as answer:
                body = await answer.read()
                if answer.status >= 300:
                    tally.error(f"{answer.status} {path.split('/')[2].split('?')[0]}")
                    continue
            if path.startswith("/v1/batches/"):
                output = _output_id(body)
                if output is not None and output not in tally.outputs:
                    tally.outputs.append(output)
        except aiohttp.ClientError as exc:
            tally.error(type(exc).__name__)
            continue
        tally.latencies.append(time.perf_counter() - started)


def _output_id(body: bytes) -> str | None:
    value = orjson.loads(body).get("output_file_id")
    return value if isinstance(value, str) else None


async def watch_rss(server: ServerProcess, samples: list[tuple[float, int]], end: float) -> None:
    start = time.monotonic()
    while time.monotonic() < end:
        samples.append((time.monotonic() - start, server.rss()))
        await asyncio.sleep(1.0)
    samples.append((time.monotonic() - start, server.rss()))


async def load(server: ServerProcess, args: argparse.Namespace) -> tuple[Tally, list[tuple[float, int]], float]:
    tally = Tally()
    samples: list[tuple[float, int]] = []
    connector = aiohttp.TCPConnector(limit=args.pollers + 4)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.monotonic()
        end = started + args.seconds
        tasks = [asyncio.create_task(produce(session, server.url, tally, args, end))]
        tasks.append(asyncio.create_task(watch_rss(server, samples, end)))
        tasks += [
            asyncio.create_task(poll(session, server.url, tally, end, random.Random(i))) for i in range(args.pollers)
        ]
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return tally, samples, elapsed


def completed(server: ServerProcess, tally: Tally) -> int:
    with server.client() as client:
        return sum(1 for batch in client.batches.list(limit=100) if batch.status == "completed")


def report(
    mode: str, tally: Tally, samples: list[tuple[float, int]], elapsed: float, done: int, seconds: float
) -> None:
    count = len(tally.latencies)
    errors = sum(tally.errors.values())
    ordered = sorted(tally.latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    warm = next((rss for at, rss in samples if at >= seconds * 0.2), samples[0][1])
    print(f"\n[{mode}] {elapsed:.0f} s")
    print(
        f"  requests      {count:,} ({count / elapsed:,.0f}/s), errors {errors}"
        + (f" {tally.errors}" if errors else "")
    )
    print(f"  latency       p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    print(f"  batches       {tally.created} created, {done} completed")
    print(
        f"  server RSS    start {mb(samples[0][1])}, after warm-up {mb(warm)}, end {mb(samples[-1][1])}, "
        f"max {mb(max(rss for _, rss in samples))}"
    )


def run_mode(mode: str, args: argparse.Namespace) -> None:
    with scratch_dir(args.keep) as scratch:
        extra = ["--clock", "real", "--speed", str(args.speed)]
        if mode == "data-dir":
            extra += ["--data-dir", str(scratch / "data")]
        with ServerProcess(scratch, extra) as server:
            tally, samples, elapsed = asyncio.run(load(server, args))
            time.sleep(min(5.0, 2000 / args.speed))  # let the last batches finish before counting
            report(mode, tally, samples, elapsed, completed(server, tally), args.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--mode", choices=["both", "memory", "data-dir"], default="both")
    parser.add_argument("--speed", type=float, default=600.0, help="virtual seconds per real second")
    parser.add_argument("--batch-every", type=float, default=0.5, help="seconds between batch creations")
    parser.add_argument("--lines", type=int, default=20, help="lines per batch")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"{args.pollers} pollers for {args.seconds:.0f} s, a {args.lines}-line batch every {args.batch_every} s, "
        f"clock real x{args.speed:g}"
    )
    for mode in ("memory", "data-dir") if args.mode == "both" else (args.mode,):
        run_mode(mode, args)


if __name__ == "__main__":
    main()

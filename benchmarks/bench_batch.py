"""End-to-end time and server memory of chat batches of N lines, driven through the OpenAI SDK.

Run: python benchmarks/bench_batch.py [--lines 1000 50000] [--million] [--profile PATH]

For every size a fresh server is started (`serve --clock manual` with raised limits), then:
  upload    client.files.create(file=path, purpose="batch")
  create    client.batches.create(...)
  run       POST /_emulator/clock/run-until-idle (validation, every line, finalization)
  retrieve  client.batches.retrieve(...) (status completed, output file id)
  download  client.with_streaming_response.files.content(output).iter_bytes() into a file
  parse     orjson.loads of every output line, checking its custom_id and status
It prints seconds per phase, lines per second end to end, the server's CPU time per line (user + system, from
/proc, for the whole run from upload to parse), the server's peak resident memory (VmHWM), and the latency of
a health check sent every 10 ms by another client during the whole run (p50, p99, max).
Targets (docs/performance.md): 10,000 lines under 0.40 s and 50,000 under 1.6 s end to end; server CPU at most
15 us a chat line at 50,000; 1,000,000 lines (`--million`) under 25 s with peak RSS under 100 MB; health p99
under 100 ms and max under 250 ms.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import orjson
from _support import HealthProbe, ServerProcess, Timer, download, machine, mb, scratch_dir

RAISED_LIMITS = ["--max-requests", "2000000", "--max-batch-bytes", "20000000000"]
TOPICS = ("rivers", "mountains", "tides", "volcanoes", "glaciers", "deserts", "forests", "islands")


def write_input(path: Path, lines: int, model: str) -> int:
    """A chat batch input of `lines` short questions; returns its size in bytes."""
    with path.open("wb") as out:
        for start in range(0, lines, 10_000):
            block = [
                orjson.dumps(
                    {
                        "custom_id": f"request-{i}",
                        "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": {
                            "model": model,
                            "messages": [
                                {"role": "system", "content": "You are a helpful assistant."},
                                {"role": "user", "content": f"Question {i}: tell me about {TOPICS[i % len(TOPICS)]}."},
                            ],
                            "max_tokens": 60,
                        },
                    }
                )
                + b"\n"
                for i in range(start, min(lines, start + 10_000))
            ]
            out.write(b"".join(block))
    return path.stat().st_size


def parse_output(path: Path, lines: int) -> int:
    """Decode every output line; checks that each request answered once with a 200."""
    seen = bytearray(lines)
    count = 0
    with path.open("rb") as stream:
        for raw in stream:
            result = orjson.loads(raw)
            index = int(result["custom_id"].rpartition("-")[2])
            assert result["response"]["status_code"] == 200, result
            assert result["response"]["body"]["choices"][0]["message"]["content"], result
            assert not seen[index], f"custom_id {result['custom_id']} answered twice"
            seen[index] = 1
            count += 1
    assert count == lines, f"{count} output lines for {lines} requests"
    return count


def run_size(scratch: Path, lines: int, model: str, profile: Path | None, extra: list[str]) -> dict[str, float]:
    source = scratch / f"input-{lines}.jsonl"
    started = time.perf_counter()
    size = write_input(source, lines, model)
    print(f"\n== {lines:,} lines ({mb(size)} input, written in {time.perf_counter() - started:.1f} s)")
    timer = Timer()
    with ServerProcess(scratch, RAISED_LIMITS + extra, profile_to=profile) as server:
        client = server.client()
        idle = server.rss()
        cpu_before = server.cpu_seconds()
        with HealthProbe(server.url) as probe:
            with timer("upload"):
                file = client.files.create(file=source, purpose="batch")
            with timer("create"):
                batch = client.batches.create(
                    input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
                )
            with timer("run-until-idle"):
                server.admin("clock/run-until-idle")
            with timer("retrieve"):
                batch = client.batches.retrieve(batch.id)
            assert batch.status == "completed", f"batch ended {batch.status}: {batch.errors}"
            assert batch.request_counts is not None and batch.request_counts.completed == lines
            assert batch.output_file_id
            output = scratch / f"output-{lines}.jsonl"
            with timer("download"):
                download(client, batch.output_file_id, output)
            with timer("parse"):
                parse_output(output, lines)
        cpu = server.cpu_seconds() - cpu_before
        peak = server.peak()
        final = server.rss()
    out_size = output.stat().st_size
    source.unlink()
    output.unlink()
    for name, seconds in timer.phases.items():
        print(f"  {name:<15} {seconds:8.3f} s")
    total = timer.total
    print(f"  {'total':<15} {total:8.3f} s   {lines / total:,.0f} lines/s end to end, output {mb(out_size)}")
    print(f"  server RSS: idle {mb(idle)}, peak {mb(peak)}, at the end {mb(final)}")
    print(f"  server CPU: {cpu:.2f} s, {cpu / lines * 1e6:.1f} us a line;  {probe.summary()}")
    return {"lines": lines, "total": total, "peak": peak, "cpu": cpu, **timer.phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 50_000], help="batch sizes to run")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 lines (a few minutes)")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the server of the last size to PATH")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--workers", type=int, default=None, help="the server's --batch-workers (default: its own)")
    args = parser.parse_args()
    sizes = list(args.lines) + ([1_000_000] if args.million else [])
    print(f"machine: {machine()}")
    results = []
    with scratch_dir(args.keep) as scratch:
        for position, lines in enumerate(sizes):
            profile = args.profile if args.profile is not None and position == len(sizes) - 1 else None
            extra = [] if args.workers is None else ["--batch-workers", str(args.workers)]
            results.append(run_size(scratch, lines, args.model, profile, extra))
    print("\nlines       total s   lines/s   CPU us/line   peak RSS")
    for row in results:
        per_line = row["cpu"] / row["lines"] * 1e6
        print(
            f"{int(row['lines']):>9,} {row['total']:9.2f} {row['lines'] / row['total']:9,.0f}"
            f" {per_line:13.1f}   {mb(row['peak'])}"
        )


if __name__ == "__main__":
    main()

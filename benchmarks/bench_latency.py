"""How long another client waits while the server works on something heavy: health-check latency during each case.

Run: python benchmarks/bench_latency.py [--cases embeddings-batch validate-1m sync-embeddings sync-moderations]
                                       [--scale 1.0]

A fresh server (`serve --clock manual`, raised limits) per case; a client sends GET /_emulator/health every
10 ms for the whole case and the script prints the latency p50, p99 and max, the case's own wall time and
the server's CPU time. The cases:

  embeddings-batch   a 50,000-line /v1/embeddings batch (1,536 floats an answer, about 1.6 GB of output),
                     uploaded, then run-until-idle (validation, every line, finalization)
  validate-1m        a 1,000,000-line chat batch of tiny requests, uploaded, then the clock advanced just
                     past validation (the lines are validated, none is run)
  sync-embeddings    one POST /v1/embeddings with 2,048 inputs of text-embedding-3-large (3,072 floats each)
  sync-moderations   one POST /v1/moderations with 100,000 inputs

`--scale` multiplies every size (lines, inputs) for a quick run. Targets (docs/performance.md): p99 under
100 ms and max under 250 ms in every case.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import orjson
from _support import HealthProbe, ServerProcess, machine, mb, scratch_dir
from openai.types import Batch

RAISED_LIMITS = ["--max-requests", "2000000", "--max-batch-bytes", "20000000000"]


def _lines(path: Path, count: int, url: str, body_for: Callable[[int], dict[str, object]]) -> int:
    """A batch input of `count` requests to `url`; returns its size in bytes."""
    with path.open("wb") as out:
        for start in range(0, count, 10_000):
            block = [
                orjson.dumps({"custom_id": f"line-{i}", "method": "POST", "url": url, "body": body_for(i)}) + b"\n"
                for i in range(start, min(count, start + 10_000))
            ]
            out.write(b"".join(block))
    return path.stat().st_size


def _post(url: str, body: object) -> int:
    """POST JSON with the test key; returns the size of the answer (read in chunks, not kept)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer sk-bench", "Content-Type": "application/json"},
        method="POST",
    )
    size = 0
    with urllib.request.urlopen(request, timeout=3600) as response:
        while chunk := response.read(1 << 20):
            size += len(chunk)
    return size


SCALE = 1.0  # set from --scale


def _scaled(count: int) -> int:
    return max(1, int(count * SCALE))


def _run_batch(
    server: ServerProcess, source: Path, body_for: Callable[[int], dict[str, object]], move: dict[str, Any]
) -> tuple[openai.OpenAI, Batch, float, int]:
    """Write and upload a batch input, create the batch, then time one admin call that moves the clock.

    `move` names the input (`lines`, `url`) and the admin call (`path`, `body`); returns the client, the batch
    after the call, the call's seconds and the input's size."""
    size = _lines(source, _scaled(move["lines"]), move["url"], body_for)
    client = server.client()
    file = client.files.create(file=source, purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint=move["url"], completion_window="24h")
    began = time.perf_counter()
    server.admin(move["path"], move["body"])
    took = time.perf_counter() - began
    return client, client.batches.retrieve(batch.id), took, size


def embeddings_batch(server: ServerProcess, scratch: Path) -> str:
    client, done, took, size = _run_batch(
        server,
        scratch / "embeddings.jsonl",
        lambda i: {"model": "text-embedding-3-small", "input": f"passage {i} about tides and rivers"},
        {"lines": 50_000, "url": "/v1/embeddings", "path": "clock/run-until-idle", "body": {}},
    )
    assert done.status == "completed", done.status
    output = client.files.retrieve(done.output_file_id or "")
    return f"input {mb(size)}, output {mb(output.bytes)}, run-until-idle {took:.2f} s"


def validate_million(server: ServerProcess, scratch: Path) -> str:
    # the clock moves by the default validating time: the file is validated, no line is run
    _, done, took, size = _run_batch(
        server,
        scratch / "tiny.jsonl",
        lambda i: {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        {"lines": 1_000_000, "url": "/v1/chat/completions", "path": "clock/advance", "body": {"seconds": 2}},
    )
    assert done.status == "in_progress", done.status
    return f"input {mb(size)}, validation {took:.2f} s"


def sync_embeddings(server: ServerProcess, scratch: Path) -> str:
    body = {"model": "text-embedding-3-large", "input": [f"passage {i} about tides" for i in range(_scaled(2048))]}
    began = time.perf_counter()
    size = _post(server.url + "/v1/embeddings", body)
    return f"answer {mb(size)} in {time.perf_counter() - began:.2f} s"


def sync_moderations(server: ServerProcess, scratch: Path) -> str:
    body = {
        "model": "omni-moderation-latest",
        "input": [f"a calm sentence number {i}" for i in range(_scaled(100_000))],
    }
    began = time.perf_counter()
    size = _post(server.url + "/v1/moderations", body)
    return f"answer {mb(size)} in {time.perf_counter() - began:.2f} s"


CASES: dict[str, Callable[[ServerProcess, Path], str]] = {
    "embeddings-batch": embeddings_batch,
    "validate-1m": validate_million,
    "sync-embeddings": sync_embeddings,
    "sync-moderations": sync_moderations,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this (quick runs)")
    args = parser.parse_args()
    global SCALE
    SCALE = args.scale
    print(f"machine: {machine()}")
    with scratch_dir(args.keep) as scratch:
        for name in args.cases:
            with ServerProcess(scratch, RAISED_LIMITS) as server:
                cpu_before = server.cpu_seconds()
                began = time.perf_counter()
                with HealthProbe(server.url) as probe:
                    note = CASES[name](server, scratch)
                wall = time.perf_counter() - began
                cpu = server.cpu_seconds() - cpu_before
            print(f"{name:<17} {probe.summary()}")
            print(f"{'':<17} wall {wall:.2f} s, server CPU {cpu:.2f} s; {note}")
            for leftover in scratch.glob("*.jsonl"):
                leftover.unlink()


if __name__ == "__main__":
    main()

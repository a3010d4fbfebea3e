"""Upload and download throughput of a large batch file through the OpenAI SDK, and the server's memory.

Run: python benchmarks/bench_files.py [--size-mb 200] [--repeat 1] [--part-mb 64] [--md5]

Steps: write a JSONL batch file of --size-mb megabytes into a scratch directory, start the server, then
  1. client.files.create(file=path, purpose="batch")            (multipart upload)
  2. client.with_streaming_response.files.content(id).iter_bytes (streamed download)
  3. client.files.content(id).write_to_file(...)                (the SDK's buffered download)
  4. client.uploads.upload_file_chunked(file=path, ...)         (Uploads API, --part-mb parts)
For each step it prints MB/s and the server's resident memory: before, peak during the step (VmHWM after a
clear_refs reset), and growth. Targets: upload >= 100 MB/s, server growth < 64 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import openai
from _support import MB, ServerProcess, download, machine, mb, scratch_dir

T = TypeVar("T")

LINE_PAD = "lorem ipsum dolor sit amet " * 60


def write_batch_file(path: Path, size: int) -> int:
    """A valid chat batch file of about `size` bytes; returns its exact size."""
    written = 0
    index = 0
    with path.open("wb") as out:
        while written < size:
            block = []
            for _ in range(1000):
                block.append(
                    f'{{"custom_id":"req-{index}","method":"POST","url":"/v1/chat/completions","body":{{"model":'
                    f'"gpt-4o-mini","messages":[{{"role":"user","content":"{index} {LINE_PAD}"}}]}}}}\n'
                )
                index += 1
            data = "".join(block).encode()
            out.write(data)
            written += len(data)
    return written


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(4 * MB):
            digest.update(chunk)
    return digest.hexdigest()


def measure(server: ServerProcess, name: str, size: int, step: Callable[[], T]) -> T:
    """Run one step, print its throughput and the server's memory during it, and return its result."""
    before = server.rss()
    server.reset_peak()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    peak = server.peak()
    print(
        f"{name:<34} {seconds:7.2f} s {size / MB / seconds:8.1f} MB/s   server RSS before {mb(before)}, "
        f"peak {mb(peak)}, growth {mb(peak - before)}"
    )
    return result


def upload_chunked(client: openai.OpenAI, source: Path, part_size: int, md5: str | None) -> str:
    upload = client.uploads.upload_file_chunked(
        file=source,
        mime_type="application/jsonl",
        purpose="batch",
        part_size=part_size,
        md5=md5 if md5 else openai.omit,
    )
    assert upload.status == "completed" and upload.file is not None
    return upload.file.id


def run_once(server: ServerProcess, label: str, source: Path, size: int, args: argparse.Namespace) -> None:
    client = server.client()
    expected = md5_of(source)
    scratch = source.parent
    file_id = measure(
        server, f"{label} files.create", size, lambda: client.files.create(file=source, purpose="batch").id
    )
    streamed = scratch / "streamed.jsonl"
    measure(server, f"{label} files.content (streamed)", size, lambda: download(client, file_id, streamed))
    assert md5_of(streamed) == expected, "the streamed download differs from the upload"
    buffered = scratch / "buffered.jsonl"
    measure(
        server,
        f"{label} files.content (write_to_file)",
        size,
        lambda: client.files.content(file_id).write_to_file(buffered),
    )
    assert md5_of(buffered) == expected, "the buffered download differs from the upload"
    streamed.unlink()
    buffered.unlink()
    client.files.delete(file_id)
    md5 = expected if args.md5 else None
    chunked_id = measure(
        server,
        f"{label} uploads.upload_file_chunked",
        size,
        lambda: upload_chunked(client, source, args.part_mb * MB, md5),
    )
    client.files.delete(chunked_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=200.0, help="size of the batch file (MiB)")
    parser.add_argument("--repeat", type=int, default=1, help="run every step this many times")
    parser.add_argument("--part-mb", type=int, default=64, help="part size for upload_file_chunked (MiB)")
    parser.add_argument("--md5", action="store_true", help="send the file's md5 with upload_file_chunked")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with scratch_dir(args.keep) as scratch:
        source = scratch / "input.jsonl"
        start = time.perf_counter()
        size = write_batch_file(source, int(args.size_mb * MB))
        print(f"wrote {mb(size)} in {time.perf_counter() - start:.2f} s to {source}")
        with ServerProcess(scratch) as server:
            print(f"server {server.url}, idle RSS {mb(server.rss())}")
            for run in range(args.repeat):
                run_once(server, f"[{run + 1}]", source, size, args)


if __name__ == "__main__":
    main()

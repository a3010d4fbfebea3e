"""`serve --worker-min-bytes`: a batch whose results, at the size of its first answers, reach that many bytes has
its lines answered by worker processes, which start for it; with the default (256 MiB) the same batch is answered
by the server alone. The results are the same bytes either way."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mixed_chat_batch_file
from tests.support.invariants import admin, client_for
from tests.support.serve_process import start_serving, stop

LINES = 2_000  # about 1.4 MB of results


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _run(tmp_path: Path, *options: str) -> tuple[bytes, int]:
    """The batch's output, and how many processes the server had started once it was done."""
    process, url = start_serving(tmp_path, "2026-03-01T00:00:00Z", "--worker-min-lines", "1000000", *options)
    try:
        with client_for(url) as client:
            file = client.files.create(file=("in.jsonl", mixed_chat_batch_file(LINES, "canals")), purpose="batch")
            batch = client.batches.create(
                input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            admin(url, "/_emulator/clock/run-until-idle", {})
            done = client.batches.retrieve(batch.id)
            assert done.status == "completed" and done.output_file_id
            return client.files.content(done.output_file_id).content, len(_children(process.pid))
    finally:
        stop(process)


def test_worker_min_bytes_lets_the_workers_take_a_batch_of_few_lines(tmp_path: Path):
    alone, started_alone = _run(tmp_path / "default")
    pooled, started = _run(tmp_path / "low", "--worker-min-bytes", "200000")
    assert started_alone == 0 and started >= 2  # the two workers (and their pool's helper, if any)
    assert pooled == alone

"""Batch lines answered while the input is validated, and counted in as the clock reveals them.

Validation decodes every line of the input; the runner would decode each again to answer it. For a batch whose
lines no scenario rule touches, the answers do not depend on when the runner gets to them: a line's result is a
pure function of (seed, batch id, endpoint, custom_id, body) and the end of its slot, `in_progress_at + (k + 1)
/ rate`, and `in_progress_at` is known before validation starts (the time of the validation timer). So the
validation pass hands its decoded lines to `EarlyAnswers`, which answers them at once, as the runner would, and
appends their result lines to the batch's work files, ahead of what the record counts. An index file records,
after each line, the input offset, the sizes of both work files, the completed lines and the four token counts
so far (eight 64-bit integers).

When the clock reveals lines k to m, the runner adds the differences of the index entries of k and m to the
record: the same bytes and counts as answering those lines then, with nothing decoded or written again. Until
the runner has counted every early line, the work files hold bytes past the record's sizes; whatever else
writes to them or publishes them (the runner's own answers, worker blocks, expiry, the end of the batch) first
drops the early answers, which cuts the files back to the record (`discard`). The early answers are only a
cache: not durable, forgotten by a restart (which cuts the work files to the record), and checked against the
record and the files' sizes before each use, so a cut by a failed transaction only makes the runner answer the
rest itself. A line the model fails on (an exception) ends the early answers before it, so the runner meets the
same failure at the line's own time.
"""

from __future__ import annotations

import contextlib
import os
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from emulator.batches.result_lines import ResultLines
from emulator.batches.work_files import WorkFiles, truncate_to
from emulator.fake_model import LineAnswer

ENTRY_FIELDS = 8  # input offset, output bytes, error bytes, completed lines, four token counts
ENTRY_BYTES = ENTRY_FIELDS * 8
WRITE_BYTES = 1 << 20  # result bytes gathered before they are written
EARLY_MAX_BYTES = 256 * 1024 * 1024  # result bytes answered early at most
HAND_BYTES = 64 * 1024  # about how many result bytes the validation pass has answered at a time
FIRST_HAND_LINES = 1  # lines answered at a time until their size is known (one may be a huge answer)
MAX_HAND_LINES = 32
PROBE_LINES = 1_000  # lines answered before the whole file's lines and result bytes are projected from them
INDEX_SUFFIX = ".early-index"

LineAnswerer = Callable[[Any, str, int], LineAnswer]
DecodedLine = tuple[int, str, dict[str, Any]]  # offset after the line, custom_id, body


class Span(NamedTuple):
    """What the lines of a span add to the record."""

    lines: int
    input_offset: int  # after the span's last line
    output_bytes: int
    error_bytes: int
    completed: int
    tokens: tuple[int, int, int, int]


def index_path(work_dir: Path, batch_id: str) -> Path:
    """Where the index of a batch's early answers is kept, next to its work files."""
    return work_dir / f"{batch_id}{INDEX_SUFFIX}"


class EarlyAnswers:
    """The lines of one batch answered during its validation: appended by `take` while the pass runs, counted in
    by the runner through `span` once the batch runs.

    At most `max_lines` lines and `max_bytes` result bytes are answered; and once `PROBE_LINES` are, none more
    when the whole file (`input_size` bytes) would go over either at the rate of those first lines. The rest, if
    any, the runner answers as usual, or hands to worker processes (whose thresholds the limits then are)."""

    def __init__(
        self,
        work: WorkFiles,
        batch_id: str,
        seed: int,
        answer: LineAnswerer,
        in_progress_at: int,
        rate: float,
        *,
        input_size: int,
        max_lines: int,
        max_bytes: int,
    ) -> None:
        self.batch_id = batch_id
        self.in_progress_at = in_progress_at
        self.rate = rate
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.input_size = input_size
        self._read = 0  # input bytes up to the end of the last line answered
        self.lines = 0  # answered so far: requests 0 .. lines - 1
        self.open = True  # still taking lines
        self.hand_lines = FIRST_HAND_LINES  # lines to take at a time: about HAND_BYTES of answers
        self.usable = True  # False once dropped: the runner answers every line itself
        self._answer = answer
        self._results = ResultLines(seed, batch_id)
        self._paths = (work.out_path, work.err_path, index_path(work.out_path.parent, batch_id))
        self._totals = [0] * (ENTRY_FIELDS - 1)  # the last entry without its offset
        self._output: list[bytes] = []
        self._errors: list[bytes] = []
        self._entries: array[int] = array("q")
        self._pending = 0
        self._fds: list[int] = []
        try:  # the batch is validating: its work files are empty, or left by an earlier try
            for path in self._paths:
                self._fds.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        except OSError:
            self.discard((0, 0))

    def take(self, requests: Sequence[DecodedLine]) -> None:
        """Answer the next requests of the file (consecutive, starting at request `lines`)."""
        if not self.open:
            return
        if self.lines >= PROBE_LINES and self._too_big():
            self.stop()
            return
        answer = self._answer
        results = self._results
        output, errors, entries = self._output, self._errors, self._entries
        started, rate = float(self.in_progress_at), self.rate
        out_bytes, err_bytes, completed, input_tokens, cached_tokens, output_tokens, reasoning_tokens = self._totals
        index = self.lines
        pending = self._pending
        stop = min(len(requests), self.max_lines - index)
        for offset, custom_id, body in requests[:stop]:
            try:
                status, body_json, used = answer(body, custom_id, int(started + (index + 1) / rate))
            except Exception:  # the runner meets it again at this line's time
                stop = 0
                break
            data = results.answered(custom_id, status, body_json)
            pending += len(data)
            if 200 <= status < 300:
                output.append(data)
                out_bytes += len(data)
                completed += 1
                input_tokens += used[0]
                cached_tokens += used[1]
                output_tokens += used[2]
                reasoning_tokens += used[3]
            else:
                errors.append(data)
                err_bytes += len(data)
            index += 1
            entries.extend(
                (offset, out_bytes, err_bytes, completed, input_tokens, cached_tokens, output_tokens, reasoning_tokens)
            )
            if out_bytes + err_bytes >= self.max_bytes:
                stop = 0
                break
        if index > self.lines:
            self._read = entries[-ENTRY_FIELDS]
            self.hand_lines = max(1, min(MAX_HAND_LINES, HAND_BYTES * index // max(1, out_bytes + err_bytes)))
        self.lines, self._pending = index, pending
        self._totals = [out_bytes, err_bytes, completed, input_tokens, cached_tokens, output_tokens, reasoning_tokens]
        if stop < len(requests):
            self.stop()
        elif pending >= WRITE_BYTES:
            self._write()

    def _too_big(self) -> bool:
        """Whether the whole file would give more lines or result bytes than the limits, at the rate of the lines
        answered so far."""
        if self._read <= 0:
            return False
        lines = self.input_size * self.lines / self._read
        return lines >= self.max_lines or lines * (self._totals[0] + self._totals[1]) / self.lines >= self.max_bytes

    def stop(self) -> None:
        """Take no more lines (the runner answers the rest)."""
        if self.open:
            self.open = False
            self._write()
            self._close()

    def _write(self) -> None:
        try:
            for fd, pieces in zip(self._fds, (self._output, self._errors, [self._entries.tobytes()]), strict=False):
                data = b"".join(pieces)
                while data:
                    data = data[os.write(fd, data) :]
        except OSError:  # a full disk: no early answers (the runner answers the lines, and meets it too)
            self.discard((0, 0))
        self._output.clear()
        self._errors.clear()
        del self._entries[:]
        self._pending = 0

    def close(self) -> None:
        """Stop taking lines and close the files, leaving them as they are (a reset wipes them)."""
        self.open = self.usable = False
        self._close()

    def _close(self) -> None:
        fds, self._fds = self._fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def discard(self, sizes: tuple[int, int]) -> None:
        """Drop the early answers: the work files are cut back to `sizes` (output, error bytes: the record's)."""
        self.open = self.usable = False
        self._close()
        self._output.clear()
        self._errors.clear()
        del self._entries[:]
        with contextlib.suppress(OSError):
            truncate_to(self._paths[0], sizes[0])
            truncate_to(self._paths[1], sizes[1])
            self._paths[2].unlink(missing_ok=True)

    # -- the runner's side ----------------------------------------------------------------------------

    def entry(self, line: int) -> tuple[int, ...]:
        """The index entry after `line` requests (all zeros for none)."""
        if line == 0:
            return (0,) * ENTRY_FIELDS
        with open(self._paths[2], "rb") as index:
            index.seek((line - 1) * ENTRY_BYTES)
            values = array("q", index.read(ENTRY_BYTES))
        if len(values) != ENTRY_FIELDS:
            raise OSError("the index of early answers ends early")
        return tuple(values)

    def agrees(self, line: int, input_offset: int, output_bytes: int, error_bytes: int) -> bool:
        """Whether a record at request `line` with these offsets is where these early answers say it is, and the
        work files still hold every early answer."""
        if not self.usable or self.open or line > self.lines:
            return False
        try:
            entry = self.entry(line)
            sizes = (self._paths[0].stat().st_size, self._paths[1].stat().st_size)
        except OSError:
            return False
        return (
            (line == 0 or entry[0] == input_offset)
            and entry[1:3] == (output_bytes, error_bytes)
            and sizes == (self._totals[0], self._totals[1])
        )

    def span(self, first: int, last: int) -> Span:
        """What requests `first` to `last` (exclusive) add to the record."""
        start, end = self.entry(first), self.entry(last)
        tokens = tuple(b - a for a, b in zip(start[4:], end[4:], strict=True))
        return Span(
            last - first,
            end[0],
            end[1] - start[1],
            end[2] - start[2],
            end[3] - start[3],
            (tokens[0], tokens[1], tokens[2], tokens[3]),
        )

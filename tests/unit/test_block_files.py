"""Copying a worker's block file into a batch's work files: output lines then error lines land at the positions
the record gives, a repeated copy writes the same bytes in the same place, the block file goes afterwards, and
where the kernel cannot copy the bytes go through a bounded buffer with the same result."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from emulator.batches.block_files import BlockCopy
from emulator.batches.work_files import WorkFiles

OUTPUT = b'{"id": "a"}\n{"id": "b"}\n'
ERRORS = b'{"id": "c", "error": true}\n'


def _work(tmp_path: Path) -> WorkFiles:
    work = WorkFiles(tmp_path / "batch.out", tmp_path / "batch.err")
    work.write("output", b"earlier output\n")
    work.write("error", b"earlier error\n")
    work.close()
    return work


def _block(tmp_path: Path) -> Path:
    block = tmp_path / "batch.block-0"
    block.write_bytes(OUTPUT + ERRORS)
    return block


def _copy(tmp_path: Path, work: WorkFiles) -> None:
    at = (work.out_path.stat().st_size, work.err_path.stat().st_size)
    BlockCopy(_block(tmp_path), (len(OUTPUT), len(ERRORS)), work, at).run()


def test_a_block_lands_after_what_the_work_files_hold_and_its_file_goes(tmp_path: Path) -> None:
    work = _work(tmp_path)
    _copy(tmp_path, work)
    assert work.out_path.read_bytes() == b"earlier output\n" + OUTPUT
    assert work.err_path.read_bytes() == b"earlier error\n" + ERRORS
    assert not (tmp_path / "batch.block-0").exists()


def test_copying_a_block_again_at_the_same_positions_gives_the_same_files(tmp_path: Path) -> None:
    work = _work(tmp_path)
    at = (work.out_path.stat().st_size, work.err_path.stat().st_size)
    for _ in range(2):
        BlockCopy(_block(tmp_path), (len(OUTPUT), len(ERRORS)), work, at).run()
    assert work.out_path.read_bytes() == b"earlier output\n" + OUTPUT
    assert work.err_path.read_bytes() == b"earlier error\n" + ERRORS


def test_without_a_kernel_copy_the_bytes_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> int:
        raise OSError(errno.EXDEV, "no copy across these files")

    monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    work = _work(tmp_path)
    _copy(tmp_path, work)
    assert work.out_path.read_bytes() == b"earlier output\n" + OUTPUT
    assert work.err_path.read_bytes() == b"earlier error\n" + ERRORS


def test_a_block_without_error_lines_leaves_the_error_file_alone(tmp_path: Path) -> None:
    work = WorkFiles(tmp_path / "batch.out", tmp_path / "batch.err")
    block = tmp_path / "batch.block-1"
    block.write_bytes(OUTPUT)
    BlockCopy(block, (len(OUTPUT), 0), work, (0, 0)).run()
    assert work.out_path.read_bytes() == OUTPUT
    assert not work.err_path.exists()

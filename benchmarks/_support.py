"""Shared pieces of the benchmark scripts: a server subprocess with its memory readings, an SDK client,
admin calls and a scratch directory outside the repository.

The server is `python -m emulator serve --port 0 --clock manual`, started with TMPDIR pointing at the
scratch directory so its blobs and work files land there too.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai

URL_PATTERN = re.compile(r"serving on (http://\S+?)/v1")
START_TIMEOUT = 60.0
MB = 1024 * 1024


def machine() -> str:
    """A one-line description of where the numbers were taken."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {system}"


@contextlib.contextmanager
def scratch_dir(keep: bool = False) -> Iterator[Path]:
    """A temporary directory for inputs, downloads and the server's data; removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="batch-emulator-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


class ServerProcess:
    """`python -m emulator serve` in a child process, with its URL and its resident memory."""

    def __init__(self, scratch: Path, extra_args: list[str] | None = None, profile_to: Path | None = None) -> None:
        self.scratch = scratch
        self.extra_args = extra_args or []
        self.profile_to = profile_to
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> ServerProcess:
        tmp = self.scratch / "server-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
        python = [sys.executable]
        if self.profile_to is not None:
            python += ["-m", "cProfile", "-o", str(self.profile_to)]
        command = [*python, "-m", "emulator", "serve", "--port", "0", "--clock", "manual", "--log-level", "warning"]
        self.process = subprocess.Popen(
            command + self.extra_args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=self.scratch,
        )
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the server exited early (code {self.process.poll()})")
            match = URL_PATTERN.search(line)
            if match:
                self.url = match.group(1)
                return self
        raise RuntimeError("the server did not print its URL in time")

    def _status(self, field: str) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"{field} missing from /proc status")

    def rss(self) -> int:
        """Current resident memory in bytes (VmRSS)."""
        return self._status("VmRSS")

    def peak(self) -> int:
        """Peak resident memory in bytes since start or the last `reset_peak` (VmHWM)."""
        return self._status("VmHWM")

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the server process and its worker processes (live ones from
        /proc/<pid>/stat, finished ones through the server's children times)."""
        assert self.process is not None
        stats: dict[int, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        family = {self.process.pid}
        grew = True
        while grew:
            grew = False
            for pid, fields in stats.items():
                if pid not in family and int(fields[1]) in family:
                    family.add(pid)
                    grew = True
        ticks = 0
        for pid in family:
            fields = stats.get(pid)
            if fields is not None:
                ticks += (
                    int(fields[11])
                    + int(fields[12])
                    + (int(fields[13]) + int(fields[14]) if pid == self.process.pid else 0)
                )
        return ticks / os.sysconf("SC_CLK_TCK")

    def reset_peak(self) -> bool:
        """Start a new peak measurement from the current RSS (Linux clear_refs); False when not allowed."""
        assert self.process is not None
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def client(self, timeout: float = 3600.0) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url + "/v1", api_key="sk-bench", max_retries=0, timeout=timeout)

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the admin API (/_emulator/...) and return the decoded JSON answer."""
        request = urllib.request.Request(
            self.url + "/_emulator/" + path.lstrip("/"),
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=24 * 3600) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


PROBE_SCRIPT = """
import http.client, sys, time, urllib.parse
url, interval = urllib.parse.urlsplit(sys.argv[1]), float(sys.argv[2])
connection = None
while True:
    began = time.perf_counter()
    try:
        if connection is None:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
        connection.request("GET", url.path)
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        connection = None  # the server closed it: the next check opens a new one
        continue
    print(f"{(time.perf_counter() - began) * 1000:.3f}", flush=True)
    time.sleep(interval)
"""


class HealthProbe:
    """GET /_emulator/health from a separate process, one request every `interval` seconds, recording how long
    each answer took (milliseconds): how long another client waits while the server works on something else.

    The probe runs in its own interpreter so the benchmark's own work (writing, parsing, the SDK) never holds
    it back: a thread here would share this process's GIL and report the client's pauses as the server's. It
    keeps its connection open between checks, as the SDK's HTTP client does."""

    def __init__(self, url: str, interval: float = 0.01) -> None:
        self.url = url + "/_emulator/health"
        self.interval = interval
        self.samples: list[float] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            with contextlib.suppress(ValueError):
                self.samples.append(float(line))

    def __enter__(self) -> HealthProbe:
        self._process = subprocess.Popen(
            [sys.executable, "-c", PROBE_SCRIPT, self.url, str(self.interval)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.samples and time.monotonic() < deadline:  # the probe is up before the work starts
            time.sleep(0.005)
        self.samples.clear()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait()
        self._reader.join()

    def summary(self) -> str:
        if not self.samples:
            return "health: no sample"
        ordered = sorted(self.samples)

        def at(fraction: float) -> float:
            return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]

        return (
            f"health p50 {at(0.5):6.1f} ms  p99 {at(0.99):6.1f} ms  max {ordered[-1]:6.1f} ms  ({len(ordered)} checks)"
        )


def download(client: openai.OpenAI, file_id: str, target: Path) -> None:
    """Stream a file's content to `target` (the SDK's buffered `content()` would hold it all in memory)."""
    with client.with_streaming_response.files.content(file_id) as response, target.open("wb") as out:
        for chunk in response.iter_bytes(MB):
            out.write(chunk)


def mb(value: float) -> str:
    return f"{value / MB:,.1f} MB"


class Timer:
    """Named phases timed in order: `with timer("upload"): ...`."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.phases.values())

"""A scripted webhook receiver on 127.0.0.1 for the tests that check deliveries."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.support.raw import Message


@dataclass
class Received(Message):
    path: str = ""


@dataclass
class Receiver:
    """Keeps every POST; answers with the scripted `statuses` first, then 400 when `accepts` rejects a delivery
    (e.g. a signature check), else 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    accepts: Callable[[Received], bool] | None = None


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            got = Received({k.lower(): v for k, v in self.headers.items()}, body, path=self.path)
            with lock:
                state.received.append(got)
                status = state.statuses.pop(0) if state.statuses else 200
            if status == 200 and state.accepts is not None and not state.accepts(got):
                status = 400
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

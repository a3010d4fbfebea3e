"""The README's webhook example, verbatim below the marker comment."""

# README: Webhooks
import http.server
import json
import threading
import time

import pytest

SECRET = "whsec_c2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5YWI="


@pytest.fixture
def inbox():
    """A webhook receiver on 127.0.0.1 that keeps every POST."""
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


@pytest.mark.batch_emulator(scenario="unreliable_webhooks")
def test_completion_events_come_late_and_twice(batch_emulator, inbox):
    url, received = inbox
    batch_emulator.reset(start_time=int(time.time()))  # the SDK checks timestamps against the wall clock
    batch_emulator.configure_webhooks([url], secret=SECRET)
    client = batch_emulator.openai()
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
    }
    file = client.files.create(file=("in.jsonl", json.dumps(line).encode()), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")

    batch_emulator.run_until_idle()
    assert batch_emulator.webhook_deliveries()[0]["state"] == "pending"  # 90 virtual seconds late
    batch_emulator.advance(90)
    batch_emulator.webhook_deliveries()  # waits for the attempts due by now

    events = [client.webhooks.unwrap(body, headers, secret=SECRET) for headers, body in received]
    assert [(event.type, event.data.id) for event in events] == [("batch.completed", batch.id)] * 2
    assert len({headers["webhook-id"] for headers, _ in received}) == 1  # one event: deduplicate on webhook-id

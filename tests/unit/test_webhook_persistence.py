"""Webhook state in the metadata store, without a server: settings and deliveries taken back by a new backend on
the same --data-dir, as after a kill, with a stand-in sender in place of HTTP."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from emulator.backend import Backend
from emulator.config import EmulatorConfig
from emulator.engine.storage import MemoryStore, SqliteStore
from emulator.webhooks.ledger import DELIVERIES_KIND
from emulator.webhooks.service import SendResult
from emulator.webhooks.signing import sign
from tests.conftest import chat_batch_file

T0 = 1_780_000_000.0
HOOK = "http://127.0.0.1:9/hook"
OWN_HOOK = "http://127.0.0.1:9/own"
SECRET = "whsec_c2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5YWI="


class Inbox:
    """A sender that keeps every POST and answers with the scripted statuses, then 200; `hang` never answers."""

    def __init__(self, statuses: tuple[int, ...] = (), hang: bool = False) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self.statuses = list(statuses)
        self.hang = hang

    async def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> SendResult:
        self.sent.append((url, body, headers))
        if self.hang:
            await asyncio.Event().wait()
        return SendResult(self.statuses.pop(0) if self.statuses else 200)


def _backend(data_dir: Any, inbox: Inbox | None = None, **options: Any) -> Backend:
    config = EmulatorConfig(clock="manual", start_time=T0, data_dir=data_dir, **options)
    backend = Backend(config)
    backend.webhooks.sender = inbox
    return backend


def _kill(backend: Backend) -> None:
    """What a SIGKILL leaves behind: the store as written so far, and attempts in flight never answered."""
    backend.webhooks.reset()
    backend.close()


def _batch(backend: Backend, **extra: Any) -> str:
    pending = backend.files.begin(purpose="batch", filename="in.jsonl", ttl=None, owner=None)
    pending.write(chat_batch_file(2))
    file = backend.files.finish(pending)
    return str(
        backend.batches.create(input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None, **extra)["id"]
    )


async def _settle(backend: Backend) -> None:
    """Let every attempt due by now finish, retries that fall due meanwhile included."""
    backend.run_due()
    while backend.webhooks.in_flight():
        await backend.webhooks.drain()
        backend.run_due()


def _states(backend: Backend) -> list[tuple[str, str, list[Any]]]:
    return [(d.source, d.state, [a["status"] for a in d.attempts]) for d in backend.webhooks.deliveries]


def test_settings_set_at_run_time_survive_and_win_over_the_command_line(tmp_path):
    first = _backend(tmp_path, webhook_urls=("http://127.0.0.1:9/cli",))
    first.webhooks.configure(endpoints=[HOOK])
    first.webhooks.configure(secret=SECRET)
    _kill(first)

    again = _backend(tmp_path, webhook_urls=("http://127.0.0.1:9/other",))
    assert (again.webhooks.endpoints, again.webhooks.secret) == ([HOOK], SECRET)
    again.reset()
    again.close()
    after_reset = _backend(tmp_path, webhook_urls=("http://127.0.0.1:9/other",))
    assert after_reset.webhooks.endpoints == ["http://127.0.0.1:9/other"]
    assert after_reset.webhooks.secret != SECRET
    after_reset.close()


def test_a_value_never_set_at_run_time_follows_the_command_line(tmp_path):
    first = _backend(tmp_path)
    first.webhooks.configure(secret=SECRET)
    _kill(first)
    again = _backend(tmp_path, webhook_urls=(HOOK,))
    assert (again.webhooks.endpoints, again.webhooks.secret) == ([HOOK], SECRET)
    again.close()


def test_an_invalid_secret_changes_nothing(tmp_path):
    backend = _backend(tmp_path)
    with pytest.raises(ValueError):
        backend.webhooks.configure(endpoints=[HOOK], secret="whsec_not base64!")
    assert backend.webhooks.endpoints == []
    backend.close()


async def test_a_retry_goes_on_after_a_restart_with_the_same_message(tmp_path):
    failing = Inbox(statuses=(500,))
    first = _backend(tmp_path, failing, webhook_urls=(HOOK,), webhook_secret=SECRET)
    _batch(first)
    first.run_until_idle()
    await _settle(first)
    ((failed_url, failed_body, failed_headers),) = failing.sent
    (delivery,) = first.webhooks.deliveries
    retry_at = delivery.attempts[0]["time"] + 5
    assert delivery.due == retry_at
    _kill(first)

    inbox = Inbox()
    again = _backend(tmp_path, inbox)
    again.advance(retry_at - again.clock.now() - 0.5)
    await _settle(again)
    assert inbox.sent == []
    again.advance(0.5)
    await _settle(again)
    ((url, body, headers),) = inbox.sent
    assert (url, body) == (failed_url, failed_body)
    assert headers["webhook-id"] == failed_headers["webhook-id"]
    assert headers["webhook-timestamp"] == str(int(retry_at))
    assert headers["webhook-signature"] == sign(SECRET, headers["webhook-id"], int(retry_at), body)
    assert _states(again) == [("openai", "delivered", [500, 200])]
    assert again.webhooks.deliveries[0].due is None
    again.close()


async def test_an_attempt_cut_off_by_a_kill_is_made_again_identical(tmp_path):
    hanging = Inbox(hang=True)
    first = _backend(tmp_path, hanging, webhook_urls=(HOOK,), webhook_secret=SECRET)
    _batch(first)
    first.run_until_idle()
    await asyncio.sleep(0)  # the attempt's task starts and sends
    assert len(hanging.sent) == 1
    _kill(first)

    inbox = Inbox()
    again = _backend(tmp_path, inbox)
    await _settle(again)
    assert inbox.sent == hanging.sent
    assert _states(again) == [("openai", "delivered", [200])]
    again.close()


async def _replay_batch_ending(tmp_path: Any, first_inbox: Inbox) -> tuple[Backend, Inbox]:
    """End a batch with an account endpoint and its own `webhook_url` configured, then lose the batch's final save
    (as a kill after the deliveries were stored and before the batch was) and restart: the ending runs again."""
    first = _backend(tmp_path, first_inbox, webhook_urls=(HOOK,), webhook_secret=SECRET)
    batch_id = _batch(first, webhook_url=OWN_HOOK)
    first.advance(2.5)
    before_end = copy.deepcopy(first.store.get("batches", batch_id))
    assert before_end is not None and before_end["status"] == "finalizing"
    first.run_until_idle()
    await asyncio.sleep(0)  # the attempts' tasks start and send
    if not first_inbox.hang:
        await _settle(first)
    first.store.put("batches", batch_id, before_end)
    _kill(first)

    inbox = Inbox()
    again = _backend(tmp_path, inbox)
    again.run_until_idle()
    assert again.store.get("batches", batch_id)["status"] == "completed"
    await _settle(again)
    return again, inbox


async def test_a_delivered_event_is_not_sent_again_when_the_batch_ending_replays(tmp_path):
    again, inbox = await _replay_batch_ending(tmp_path, Inbox())
    assert inbox.sent == []
    assert sorted(_states(again)) == [("openai", "delivered", [200]), ("url", "delivered", [200])]
    again.close()


async def test_an_event_decided_but_not_sent_is_sent_once_after_the_restart(tmp_path):
    again, inbox = await _replay_batch_ending(tmp_path, Inbox(hang=True))
    assert sorted(url for url, _, _ in inbox.sent) == [HOOK, OWN_HOOK]
    assert sorted(_states(again)) == [("openai", "delivered", [200]), ("url", "delivered", [200])]
    again.close()


async def test_delayed_copies_keep_their_key_rule_and_time_across_a_restart(tmp_path):
    first = _backend(tmp_path, Inbox(), webhook_urls=(HOOK,), webhook_secret=SECRET)
    first.use_scenario(first.scenarios.engine("unreliable_webhooks"))
    _batch(first)
    first.run_until_idle()
    await _settle(first)
    pending = [(d.key, d.copy, d.rule, d.due) for d in first.webhooks.deliveries]
    assert len(pending) == 2 and {d.state for d in first.webhooks.deliveries} == {"pending"}
    _kill(first)

    inbox = Inbox()
    again = _backend(tmp_path, inbox)
    assert [(d.key, d.copy, d.rule, d.due) for d in again.webhooks.deliveries] == pending
    again.advance(90)
    await _settle(again)
    assert len(inbox.sent) == 2 and len({headers["webhook-id"] for _, _, headers in inbox.sent}) == 1
    again.close()


async def test_without_a_data_dir_the_records_live_in_memory_and_reset_clears_them():
    backend = _backend(None, Inbox(), webhook_urls=(HOOK,))
    assert isinstance(backend.store, MemoryStore) and not isinstance(backend.store, SqliteStore)
    backend.webhooks.configure(secret=SECRET)
    _batch(backend)
    backend.run_until_idle()
    await _settle(backend)
    assert backend.store.count(DELIVERIES_KIND) == 1
    backend.reset()
    assert backend.store.count(DELIVERIES_KIND) == 0
    assert backend.webhooks.deliveries == [] and backend.webhooks.secret != SECRET
    backend.close()


def test_put_many_stores_all_records_or_none(tmp_path):
    store = SqliteStore(tmp_path / "metadata.sqlite3")
    with pytest.raises(TypeError):
        store.put_many("things", [("a", {"n": 1}), ("b", {"n": object()})])
    store.put_many("things", [("c", {"n": 3}), ("d", {"n": 4})])
    store.close()
    reopened = SqliteStore(tmp_path / "metadata.sqlite3")
    assert list(reopened.values("things")) == [{"n": 3}, {"n": 4}]
    reopened.close()

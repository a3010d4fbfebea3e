"""Extended thinking and stop sequences in Anthropic Message Batches through the `anthropic` SDK: a thinking
block before the answer within its budget, the checks Anthropic applies to thinking, and `stop_sequence`
naming the sequence that ended an answer."""

from __future__ import annotations

from emulator.fake_model.tokens import count_tokens
from tests.dialects.helpers import assert_errored, message_request, run_message_batch

THINKING = {"type": "enabled", "budget_tokens": 2048}
QUESTION = [{"role": "user", "content": "Explain the tides to a child, at length."}]


def ask(custom_id, **params):
    params.setdefault("max_tokens", 4096)
    return message_request(custom_id, QUESTION, **params)


run = run_message_batch


def test_thinking_comes_first_within_its_budget_and_counts_as_output(batch_emulator, claude):
    results = run(batch_emulator, claude, ask("thinks", thinking=THINKING), ask("plain"))
    message = results["thinks"].message
    assert [block.type for block in message.content] == ["thinking", "text"]
    thinking = message.content[0]
    assert thinking.thinking and thinking.signature
    thought = count_tokens(thinking.thinking)
    assert 0 < thought <= THINKING["budget_tokens"]
    answer = count_tokens(message.content[1].text)
    assert message.usage.output_tokens >= thought + answer
    assert message.usage.output_tokens <= 4096
    plain = results["plain"].message
    assert [block.type for block in plain.content] == ["text"]

    again = run(batch_emulator, claude, ask("thinks", thinking=THINKING))["thinks"].message
    assert again.content[0].thinking == thinking.thinking  # deterministic


def test_adaptive_and_disabled_thinking(batch_emulator, claude):
    results = run(
        batch_emulator,
        claude,
        ask("adaptive", thinking={"type": "adaptive"}),
        ask("off", thinking={"type": "disabled"}),
    )
    assert results["adaptive"].message.content[0].type == "thinking"
    assert [block.type for block in results["off"].message.content] == ["text"]


def test_thinking_params_anthropic_rejects_are_errored_results(batch_emulator, claude):
    weather = {"name": "weather", "input_schema": {"type": "object", "properties": {}}}
    results = run(
        batch_emulator,
        claude,
        ask("small", thinking={"type": "enabled", "budget_tokens": 500}),
        ask("over", max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 2000}),
        ask("forced", thinking=THINKING, tools=[weather], tool_choice={"type": "any"}),
        ask("cold", thinking=THINKING, temperature=0.2),
        ask("odd", thinking={"type": "sometimes"}),
    )
    expected = {
        "small": "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        "over": "`max_tokens` must be greater than `thinking.budget_tokens`.",
        "forced": "Thinking may not be enabled when tool_choice forces tool use.",
        "cold": "`temperature` may only be set to 1 when thinking is enabled.",
        "odd": "thinking: Input tag does not match",
    }
    assert_errored(results, expected)


def test_a_stop_sequence_ends_the_answer_and_is_named(batch_emulator, claude):
    full = run(batch_emulator, claude, ask("full"))["full"].message.content[0].text
    words = full.split()
    stop = words[len(words) // 2]
    before = full[: full.index(stop)]
    results = run(
        batch_emulator,
        claude,
        ask("full", stop_sequences=["never-said-anywhere", stop]),
        ask("unused", stop_sequences=["never-said-anywhere"]),
    )
    stopped = results["full"].message
    assert (stopped.stop_reason, stopped.stop_sequence) == ("stop_sequence", stop)
    assert stopped.content[0].text == before
    unused = results["unused"].message
    assert unused.stop_sequence is None and unused.stop_reason in ("end_turn", "max_tokens")


def test_thinking_and_stop_sequences_together(batch_emulator, claude):
    results = run(batch_emulator, claude, *(ask(f"r{i}", thinking=THINKING, stop_sequences=["e"]) for i in range(3)))
    messages = [result.message for result in results.values()]
    assert all(message.content[0].type == "thinking" for message in messages)
    stopped = [message for message in messages if message.stop_reason == "stop_sequence"]
    assert stopped and all(message.stop_sequence == "e" for message in stopped)
    assert all("e" not in message.content[1].text for message in stopped)

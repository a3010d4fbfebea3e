"""The one token counter: its rule, its pieces, and truncation built on it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulator.fake_model import count_tokens
from emulator.fake_model.tokens import count_message_tokens, token_pieces, truncate_to_tokens


def test_one_token_per_started_four_characters_of_each_word() -> None:
    assert count_tokens("") == 0
    assert count_tokens("   ") == 0
    assert count_tokens("hi") == 1
    assert count_tokens("word") == 1
    assert count_tokens("words") == 2
    assert count_tokens("tokenizer rules") == 3 + 2
    assert count_tokens("x" * 1000) == 250


def test_chat_prompts_add_framing_per_message() -> None:
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]
    assert count_message_tokens(messages) == 3 + (3 + 3) + (3 + 2)


@given(st.text(alphabet=st.sampled_from("ab cd\n.,é"), max_size=60))
def test_pieces_rejoin_the_text_and_match_the_count(text: str) -> None:
    pieces = token_pieces(text)
    assert "".join(pieces) == text.rstrip()
    assert len(pieces) == count_tokens(text)


@given(st.text(alphabet=st.sampled_from("abc ,"), max_size=60), st.integers(0, 20))
def test_truncation_keeps_a_prefix_within_budget(text: str, budget: int) -> None:
    cut, was_cut = truncate_to_tokens(text, budget)
    assert text.startswith(cut)
    assert count_tokens(cut) <= budget
    assert was_cut == (count_tokens(text) > budget)

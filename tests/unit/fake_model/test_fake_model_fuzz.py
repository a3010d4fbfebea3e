"""Bodies of every shape never break the fake model: any JSON for any batchable endpoint gives either an answer
(200) or the real API's kind of 4xx error, never an unexpected exception (which a server would turn into a 500
and a batch line into a broken run)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.fake_model import FakeModel

ENDPOINTS = [
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/responses",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
]
# Field names the endpoints know, so bodies reach past the unknown-parameter check into the deeper ones.
FIELDS = [
    "model", "messages", "input", "prompt", "n", "max_tokens", "max_completion_tokens", "max_output_tokens", "stop",
    "tools", "tool_choice", "functions", "function_call", "response_format", "text", "logprobs", "top_logprobs",
    "temperature", "seed", "dimensions", "encoding_format", "size", "quality", "seconds", "image", "instructions",
    "parallel_tool_calls", "stream", "reasoning_effort", "user", "background", "style", "output_format",
]  # fmt: skip
KEYS = st.sampled_from(["role", "content", "type", "text", "name", "function", "parameters", "json_schema",
                        "schema", "format", "image_url", "url", "arguments", "call_id", "output", "id"])  # fmt: skip
WORDS = ["", "user", "assistant", "tool", "function", "text", "json_schema", "object", "gpt-4o-mini", "auto",
         "required", "none", "1024x1024", "4", "dall-e-3", "input_text", "message"]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(KEYS | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def bodies(draw: Any) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)  # not even an object, sometimes
    body = draw(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6))
    if draw(st.booleans()):
        body.setdefault("model", "gpt-4o-mini")
    return body


MODEL = FakeModel()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies())
def test_any_body_gives_an_answer_or_a_client_error(endpoint: str, body: Any) -> None:
    result = MODEL.respond(endpoint, body, custom_id="fuzz")
    assert result.status_code == 200 or 400 <= result.status_code < 500, (result.status_code, result.body)
    if result.status_code != 200:
        error = result.body["error"]
        assert isinstance(error["message"], str) and error["message"]

"""The synchronous inference endpoints through the real openai SDK (sync and async clients, strict response
validation): every endpoint's answer, structured output and tool parsing, embeddings, errors, the journal
and scenario faults on these routes."""

from __future__ import annotations

import json
import math
import time

import openai
import pytest
from pydantic import BaseModel

from tests.e2e.inference_cases import CASES, IGNORE_VIDEO_DEPRECATION, check_answer
from tests.support.openapi import check_schema

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)
START = 1_767_225_600
CHAT = CASES["chat"].body


class Person(BaseModel):
    name: str
    age: int
    tags: list[str]


class GetWeather(BaseModel):
    city: str
    days: int


def _ask(text: str = "Name a colour.") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize("name", list(CASES))
def test_each_endpoint_answers_as_its_sdk_type_and_schema(client, name):
    case = CASES[name]
    raw = case.send(client, case.body)
    assert raw.http_response.status_code == 200
    assert raw.headers["x-request-id"].startswith("req_")
    parsed = raw.parse()
    assert isinstance(parsed, case.sdk_type)
    check_answer(raw.http_response.json(), case.sdk_type, case.schema)


@pytest.mark.parametrize("name", list(CASES))
async def test_each_endpoint_answers_the_async_client_the_same(client, batch_emulator, name):
    case = CASES[name]
    expected = case.send(client, case.body).http_response.json()
    async with batch_emulator.async_openai(max_retries=0) as async_client:
        raw = await case.send(async_client, case.body)
        assert isinstance(raw.parse(), case.sdk_type)
        answer = raw.http_response.json()
    if case.job is not None:  # each create queues a job of its own
        assert answer.pop("id") != expected.pop("id")
    assert answer == expected


def test_same_body_same_answer_and_created_follows_the_clock(client, batch_emulator):
    first = client.chat.completions.create(**CHAT)
    batch_emulator.advance(90)
    second = client.chat.completions.create(**CHAT)
    assert first.created == START and second.created == START + 90
    assert second.model_dump(exclude={"created"}) == first.model_dump(exclude={"created"})


def test_any_model_name_is_accepted_without_a_model_list(client):
    answer = client.chat.completions.create(model="meta-llama/Meta-Llama-3.1-70B-Instruct", messages=_ask())
    assert answer.model == "meta-llama/Meta-Llama-3.1-70B-Instruct"
    assert answer.choices[0].message.content


def test_n_choices_and_max_tokens_length(client):
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=_ask("Tell a long story."), n=3, max_tokens=5)
    assert [choice.index for choice in answer.choices] == [0, 1, 2]
    assert {choice.finish_reason for choice in answer.choices} == {"length"}
    assert answer.usage.completion_tokens <= 15


def test_structured_output_is_parsed_by_the_sdk_helper(client):
    answer = client.chat.completions.parse(
        model="gpt-4o-mini", messages=_ask("Describe a person."), response_format=Person
    )
    person = answer.choices[0].message.parsed
    assert isinstance(person, Person)
    assert Person.model_validate_json(answer.choices[0].message.content) == person
    assert answer.choices[0].finish_reason == "stop"


def test_responses_parse_with_text_format(client):
    answer = client.responses.parse(model="gpt-4o-mini", input="Describe a person.", text_format=Person)
    assert isinstance(answer.output_parsed, Person)
    assert Person.model_validate_json(answer.output_text) == answer.output_parsed


def test_pydantic_function_tool_gives_parsed_arguments(client):
    answer = client.chat.completions.parse(
        model="gpt-4o-mini",
        messages=_ask("What is the weather in Oslo for three days?"),
        tools=[openai.pydantic_function_tool(GetWeather)],
        tool_choice="required",
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "GetWeather"
    assert isinstance(call.function.parsed_arguments, GetWeather)
    assert call.id.startswith("call_")


def test_responses_function_tool_call(client):
    tool = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    answer = client.responses.create(
        model="gpt-4o-mini", input="Weather in Oslo?", tools=[tool], tool_choice="required"
    )
    calls = [item for item in answer.output if item.type == "function_call"]
    assert calls and calls[0].name == "get_weather"
    assert isinstance(json.loads(calls[0].arguments)["city"], str)


def test_embeddings_default_base64_is_decoded_by_the_sdk(batch_emulator):
    # The SDK asks for base64 by default and decodes it after validation; its strict mode validates the raw
    # base64 string against `embedding: List[float]` first and refuses it, so this client is not strict.
    lenient = batch_emulator.openai(max_retries=0, _strict_response_validation=False)
    strict = batch_emulator.openai(max_retries=0)
    raw = lenient.embeddings.with_raw_response.create(model="text-embedding-3-small", input=["alpha", "beta"])
    assert all(isinstance(item["embedding"], str) for item in raw.http_response.json()["data"])
    decoded = raw.parse()
    floats = strict.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta"], encoding_format="float")
    for item, plain in zip(decoded.data, floats.data, strict=True):
        assert len(item.embedding) == 1536
        assert math.isclose(math.fsum(x * x for x in item.embedding), 1.0, abs_tol=1e-5)
        assert item.embedding == plain.embedding
    assert decoded.data[0].embedding != decoded.data[1].embedding


def test_embedding_dimensions_shorten_and_stay_unit_length(client):
    answer = client.embeddings.create(
        model="text-embedding-3-large", input="alpha", dimensions=256, encoding_format="float"
    )
    vector = answer.data[0].embedding
    assert len(vector) == 256
    assert math.isclose(math.fsum(x * x for x in vector), 1.0, abs_tol=1e-5)
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="text-embedding-3-small", input="alpha", dimensions=4096)
    assert info.value.param == "dimensions"


def test_moderations_flag_harmful_text_only(client):
    results = client.moderations.create(input=["I will kill you", "What a lovely day"]).results
    assert results[0].flagged and results[0].categories.violence
    assert not results[1].flagged
    assert not any(results[1].categories.model_dump().values())


def test_image_edit_multipart_with_two_files(client):
    from tests.e2e.inference_cases import PNG

    answer = client.images.edit(
        image=[("a.png", PNG, "image/png"), ("b.png", PNG, "image/png")], prompt="merge them", model="gpt-image-1"
    )
    assert len(answer.data) == 1 and answer.data[0].b64_json
    assert answer.usage.output_tokens > 0


def test_missing_messages_is_a_bad_request(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=None)  # type: ignore[arg-type]
    body = info.value.response.json()
    check_schema(body, "ErrorResponse")
    assert body["error"]["param"] == "messages"
    assert body["error"]["code"] == "missing_required_parameter"
    assert body["error"]["type"] == "invalid_request_error"


def test_unknown_parameter_and_bad_json_are_rejected(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="gpt-4o-mini", input="hi", extra_body={"colour": "blue"})
    assert (info.value.param, info.value.code) == ("colour", "unknown_parameter")
    response = client._client.post(  # the SDK's own HTTP client, to send a body that is not JSON
        client.base_url.join("chat/completions"),
        content=b"{not json",
        headers={"Authorization": f"Bearer {client.api_key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "could not parse the JSON body" in response.json()["error"]["message"]


HUGE_TAGS = {
    "type": "object",
    "properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 100_000_000}},
    "required": ["tags"],
    "additionalProperties": False,
}
HUGE_TEXT = {"type": "string", "minLength": 1_000_000_000}


def test_a_schema_demanding_a_huge_instance_is_refused_at_once_and_the_server_keeps_serving(client):
    started = time.perf_counter()
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=_ask(),
            response_format={"type": "json_schema", "json_schema": {"name": "tags", "schema": HUGE_TAGS}},
        )
    body = info.value.response.json()
    check_schema(body, "ErrorResponse")
    assert (body["error"]["type"], body["error"]["param"], body["error"]["code"]) == (
        "invalid_request_error",
        "response_format",
        None,
    )
    assert body["error"]["message"] == (
        "Invalid schema for response_format 'tags': In context=('properties', 'tags'), "
        "the smallest instance has 100000001 JSON values, which exceeds the limit of 100000."
    )
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(
            model="gpt-4o-mini",
            input="Write at length.",
            text={"format": {"type": "json_schema", "name": "essay", "schema": HUGE_TEXT}},
        )
    assert (info.value.type, info.value.param, info.value.code) == (
        "invalid_request_error",
        "text.format.schema",
        "invalid_json_schema",
    )
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=_ask(),
            tools=[{"type": "function", "function": {"name": "tag", "parameters": HUGE_TAGS}}],
        )
    assert (info.value.type, info.value.param, info.value.code) == (
        "invalid_request_error",
        "tools[0].function.parameters",
        "invalid_function_parameters",
    )
    assert time.perf_counter() - started < 5
    answer = client.chat.completions.create(**{**CHAT, "n": 1})  # the server still answers
    assert answer.choices[0].message.content


def test_inference_calls_are_journaled_and_need_a_key(client, batch_emulator):
    client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float")
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    entries = [(e["method"], e["path"], e["status"]) for e in batch_emulator.requests]
    assert ("POST", "/v1/embeddings", 200) in entries
    assert ("POST", "/v1/chat/completions", 400) in entries
    keyless = client._client.post(client.base_url.join("moderations"), json={"input": "hello"})
    assert keyless.status_code == 401
    assert keyless.json()["error"]["type"] == "invalid_request_error"


def test_scenario_http_faults_apply_to_inference_routes(batch_emulator):
    batch_emulator.use_scenario(
        {
            "name": "busy_model",
            "http": [{"match": {"method": "POST", "path": "/v1/chat/completions"}, "status": 429, "times": 1}],
        }
    )
    client = batch_emulator.openai(max_retries=1)
    answer = client.chat.completions.create(**{**CHAT, "n": 1})
    assert answer.choices[0].message.content
    statuses = [e["status"] for e in batch_emulator.requests if e["path"] == "/v1/chat/completions"]
    assert statuses == [429, 200]


async def test_async_parse_helpers(batch_emulator):
    async with batch_emulator.async_openai(max_retries=0) as client:
        chat = await client.chat.completions.parse(model="gpt-4o-mini", messages=_ask(), response_format=Person)
        assert isinstance(chat.choices[0].message.parsed, Person)
        tools = await client.chat.completions.parse(
            model="gpt-4o-mini",
            messages=_ask(),
            tools=[openai.pydantic_function_tool(GetWeather)],
            tool_choice="required",
        )
        assert isinstance(tools.choices[0].message.tool_calls[0].function.parsed_arguments, GetWeather)
        response = await client.responses.parse(model="gpt-4o-mini", input="Describe a person.", text_format=Person)
        assert isinstance(response.output_parsed, Person)
        with pytest.raises(openai.BadRequestError) as info:
            await client.chat.completions.create(model="gpt-4o-mini", messages=[], n=2)
        assert info.value.param == "messages"

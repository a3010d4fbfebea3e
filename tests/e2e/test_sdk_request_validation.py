"""The request checks through the real openai SDK (sync client, strict response validation): a body whose fields
hold what the real API refuses is a 400 with the real API's type, code, param and message, both synchronously and
as a batch error line; every valid variant (each /v1/responses input item type, each image size a model takes)
is answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai.types import ImagesResponse

from emulator.fake_model.validation.endpoints import (
    CHAT,
    EMBEDDINGS,
    IMAGE_EDITS,
    IMAGE_GENERATIONS,
    MODERATIONS,
    RESPONSES,
)
from tests.e2e.inference_cases import CASES
from tests.e2e.test_batch_endpoints import run_batch
from tests.support import request_cases as cases
from tests.support.openapi import check_schema

# How the SDK sends each endpoint's body; an image edit goes up as a multipart form with the image as a file.
SEND: dict[str, Callable[[Any, dict[str, Any]], Any]] = {case.endpoint: case.send for case in CASES.values()}
SDK_TYPES = {case.endpoint: case.sdk_type for case in CASES.values()}
PLAIN_IMAGES = cases.edit()["images"]


def send(client: Any, endpoint: str, body: dict[str, Any]) -> Any:
    """Send `body` as the SDK does and parse the answer; an edit whose `images` are what is tested goes as the
    JSON body the endpoint also takes."""
    if endpoint == IMAGE_EDITS and body.get("images") != PLAIN_IMAGES:
        return client.post("/images/edits", body=body, cast_to=ImagesResponse)
    return SEND[endpoint](client, body).parse()


def refusal(client: Any, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """The error body of the 400 the server answers `body` with."""
    with pytest.raises(openai.BadRequestError) as info:
        send(client, endpoint, body)
    assert info.value.status_code == 400
    answer = info.value.response.json()
    check_schema(answer, "ErrorResponse")
    return answer


@pytest.mark.parametrize(
    ("endpoint", "body", "param", "code", "message"),
    [c[1:] for c in cases.REJECTED],
    ids=[c[0] for c in cases.REJECTED],
)
def test_each_malformed_body_is_the_real_400(
    client: Any, endpoint: str, body: dict[str, Any], param: str | None, code: str | None, message: str
) -> None:
    error = refusal(client, endpoint, body)["error"]
    assert error == {"message": message, "type": "invalid_request_error", "param": param, "code": code}


@pytest.mark.parametrize(("endpoint", "body"), [c[1:] for c in cases.ACCEPTED], ids=[c[0] for c in cases.ACCEPTED])
def test_each_valid_variant_is_answered(client: Any, endpoint: str, body: dict[str, Any]) -> None:
    assert isinstance(send(client, endpoint, body), SDK_TYPES[endpoint])


@pytest.mark.parametrize(
    "item", [*cases.INPUT_ITEMS.values(), *cases.UNTYPED_ITEMS.values()], ids=[*cases.INPUT_ITEMS, *cases.UNTYPED_ITEMS]
)
def test_each_input_item_type_is_answered(client: Any, item: dict[str, Any]) -> None:
    answer = client.responses.create(**cases.responses_body(item))
    assert answer.status == "completed" and answer.output


@pytest.mark.parametrize(("endpoint", "body"), [c[1:] for c in cases.SIZE_CASES], ids=[c[0] for c in cases.SIZE_CASES])
def test_each_size_a_model_takes_is_answered(client: Any, endpoint: str, body: dict[str, Any]) -> None:
    answer = send(client, endpoint, body)
    assert isinstance(answer, ImagesResponse) and answer.data


def good_body(endpoint: str, model: str) -> dict[str, Any]:
    """A body that `endpoint` answers, for `model`."""
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        RESPONSES: lambda: cases.respond({"role": "user", "content": "Hello"}, model=model),
        CHAT: lambda: cases.chat_parts({"type": "text", "text": "Hello"}) | {"model": model},
        MODERATIONS: lambda: cases.moderate("fine", model=model),
        EMBEDDINGS: lambda: cases.embed("alpha") | {"model": model},
        IMAGE_GENERATIONS: lambda: cases.generate(model=model),
        IMAGE_EDITS: lambda: cases.edit(model=model),
    }
    return builders[endpoint]()


def batches_by_model() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The malformed bodies that name a model, by endpoint and model (a batch is tied to one model)."""
    batches: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _, endpoint, body, *_ in cases.REJECTED:
        if isinstance(body.get("model"), str):
            batches.setdefault((endpoint, body["model"]), []).append(body)
    return batches


BATCHES = batches_by_model()


@pytest.mark.parametrize(("endpoint", "model"), list(BATCHES), ids=[f"{e[4:]}-{m}" for e, m in BATCHES])
def test_malformed_lines_land_in_the_error_file_with_the_synchronous_error(
    client: Any, batch_emulator: Any, endpoint: str, model: str
) -> None:
    bad = BATCHES[(endpoint, model)]
    done, output, errors = run_batch(client, batch_emulator, endpoint, [good_body(endpoint, model), *bad])
    assert done.status == "completed", done.errors
    assert done.request_counts.model_dump() == {"total": len(bad) + 1, "completed": 1, "failed": len(bad)}
    assert list(output) == ["line-0"]
    for i, body in enumerate(bad, start=1):
        response = errors[f"line-{i}"]["response"]
        assert response["status_code"] == 400
        assert response["body"] == refusal(client, endpoint, body)

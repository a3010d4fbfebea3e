"""Completions, moderations, images, videos and the model catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from fake_model_support import COMPLETIONS, IMAGES, MODERATIONS, VIDEOS, ok

from emulator.fake_model import FakeModel, ResponseShape, count_tokens
from emulator.fake_model.moderations import CATEGORIES, TRIGGERS


def completion(**body: Any) -> dict[str, Any]:
    return ok(FakeModel(), COMPLETIONS, {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time", **body})


def test_completions_default_to_sixteen_tokens() -> None:
    answer = completion()
    (choice,) = answer["choices"]
    assert answer["usage"]["completion_tokens"] == count_tokens(choice["text"]) <= 16
    assert choice["finish_reason"] == ("length" if count_tokens(choice["text"]) == 16 else "stop")


def test_completions_one_choice_per_prompt_and_n() -> None:
    answer = completion(prompt=["first", "second"], n=2, max_tokens=200)
    assert [c["index"] for c in answer["choices"]] == [0, 1, 2, 3]
    assert all(c["finish_reason"] == "stop" for c in answer["choices"])
    assert answer["usage"]["prompt_tokens"] == 4


def test_completions_echo_suffix_and_logprobs() -> None:
    answer = completion(echo=True, suffix="<END>", logprobs=2, max_tokens=5)
    text = answer["choices"][0]["text"]
    assert text.startswith("Once upon a time") and text.endswith("<END>")
    logprobs = answer["choices"][0]["logprobs"]
    assert len(logprobs["tokens"]) == 5 and all(len(top) <= 2 for top in logprobs["top_logprobs"])
    assert logprobs["text_offset"][0] == len("Once upon a time")


def test_completions_shape_empty() -> None:
    answer = ok(FakeModel(), COMPLETIONS, {"model": "m", "prompt": "x"}, shape=ResponseShape(empty_content=True))
    assert answer["choices"][0]["text"] == ""


def moderate(text: Any) -> list[dict[str, Any]]:
    return list(ok(FakeModel(), MODERATIONS, {"input": text})["results"])


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_has_a_trigger_word(category: str) -> None:
    (result,) = moderate(f"some words {TRIGGERS[category][0]} here")
    assert result["flagged"] is True and result["categories"][category] is True
    assert result["category_scores"][category] >= 0.9
    assert set(result["categories"]) == set(result["category_scores"]) == set(CATEGORIES)


def test_clean_text_is_not_flagged_and_subcategories_flag_parents() -> None:
    (clean,) = moderate("a calm walk by the river")
    assert clean["flagged"] is False and max(clean["category_scores"].values()) < 0.01
    (graphic,) = moderate("so much gore")
    assert graphic["categories"]["violence/graphic"] and graphic["categories"]["violence"]
    (tagged,) = moderate("please test [hate/threatening]")
    assert tagged["categories"]["hate/threatening"] and tagged["categories"]["hate"]


def test_moderation_input_forms() -> None:
    assert [r["flagged"] for r in moderate(["hello", "I hate this"])] == [False, True]
    parts = [{"type": "text", "text": "violent scene"}, {"type": "image_url", "image_url": {"url": "data:,"}}]
    (result,) = moderate(parts)
    assert result["flagged"] and result["category_applied_input_types"]["violence"] == ["text", "image"]
    assert result["category_applied_input_types"]["hate"] == ["text"]


def test_images_count_and_gpt_image_usage() -> None:
    assert len(ok(FakeModel(), IMAGES, {"prompt": "cat", "n": 3})["data"]) == 3
    result = FakeModel().respond(IMAGES, {"prompt": "a red cat", "model": "gpt-image-1", "response_format": "url"})
    assert "b64_json" in result.body["data"][0]
    assert result.body["usage"]["input_tokens"] == count_tokens("a red cat") == result.usage.input_tokens
    assert result.usage.output_tokens > 0


def test_video_echoes_request() -> None:
    video = ok(FakeModel(), VIDEOS, {"prompt": "surf", "model": "sora-2-pro", "seconds": "12", "size": "1792x1024"})
    assert (video["status"], video["progress"], video["seconds"], video["size"]) == (
        "completed",
        100,
        "12",
        "1792x1024",
    )
    assert video["id"].startswith("video_")


def test_model_catalogue_and_strict_model_list() -> None:
    assert {"id", "object", "created", "owned_by"} <= set(FakeModel().list_models()[0])
    assert FakeModel().knows_model("anything-at-all")
    strict_model = FakeModel(models=["gpt-4o"])
    assert [m["id"] for m in strict_model.list_models()] == ["gpt-4o"]
    assert strict_model.knows_model("gpt-4o") and not strict_model.knows_model("gpt-4")
    assert FakeModel().list_models() == FakeModel().list_models()

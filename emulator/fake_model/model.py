"""`FakeModel`: validates a request body and dispatches it to the endpoint's answer builder.

Every answer is a pure function of (seed, endpoint, body, custom_id, created, shape): text and
vectors come from the content digest (see `digest`), ids from (seed, custom_id, body).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from emulator.engine.errors import EmulatorError, InvalidRequest
from emulator.fake_model.catalogue import DEFAULT_MODELS, is_reasoning_model, model_entries
from emulator.fake_model.chat import answer_chat
from emulator.fake_model.completions import answer_completions
from emulator.fake_model.context import Call
from emulator.fake_model.digest import DELIVERY_KEYS, IdMaker, canonical, content_canonical, digest_of
from emulator.fake_model.embeddings import EmbeddingSizes, answer_embeddings
from emulator.fake_model.line_answers import LineAnswer, plain_chat_line
from emulator.fake_model.media import answer_image_edit, answer_image_generation, answer_video, image_events
from emulator.fake_model.moderations import answer_moderations
from emulator.fake_model.request_forms import FormCache, canonical_parts
from emulator.fake_model.responses import answer_responses
from emulator.fake_model.result import PLAIN, ModelResult, ResponseShape
from emulator.fake_model.streaming import chat_chunks, response_events
from emulator.fake_model.validation import endpoints as rq

SUPPORTED_ENDPOINTS: tuple[str, ...] = tuple(rq.ALLOWED)


class FakeModel:
    """A deterministic stand-in for the models behind every batchable endpoint."""

    def __init__(
        self,
        seed: int = 0,
        models: Sequence[str] = (),
        embedding_dimensions: Mapping[str, int] | None = None,
    ) -> None:
        self.seed = seed
        self.models: tuple[str, ...] = tuple(models)
        self._known = frozenset(self.models)
        self.embedding_dimensions: dict[str, int] = dict(embedding_dimensions or {})
        self._sizes = EmbeddingSizes(embedding_dimensions)
        self._forms = FormCache()
        self._handlers: dict[str, Callable[[Call], ModelResult]] = {
            rq.CHAT: answer_chat,
            rq.COMPLETIONS: answer_completions,
            rq.EMBEDDINGS: lambda call: answer_embeddings(call, self._sizes),
            rq.RESPONSES: answer_responses,
            rq.MODERATIONS: answer_moderations,
            rq.IMAGE_GENERATIONS: answer_image_generation,
            rq.IMAGE_EDITS: answer_image_edit,
            rq.VIDEOS: answer_video,
        }

    def reseed(self, seed: int) -> None:
        """Answer from `seed` from now on (the same object, so every holder of it follows)."""
        self.seed = seed

    def knows_model(self, name: str) -> bool:
        """Whether `name` is served; any name is when no model list was given."""
        return not self._known or name in self._known

    def respond(
        self,
        endpoint: str,
        body: Mapping[str, Any],
        *,
        custom_id: str | None = None,
        created: int = 0,
        shape: ResponseShape | None = None,
    ) -> ModelResult:
        """The status, JSON body and token usage the endpoint gives for `body`."""
        try:
            call = self._prepare(endpoint, body, custom_id, created, shape)
            return self._handlers[endpoint](call)
        except EmulatorError as error:
            return ModelResult.from_error(error)

    def answer_line(self, endpoint: str, body: Any, *, custom_id: str, created: int) -> LineAnswer:
        """A batch line's answer with its body as JSON bytes: the same bytes as `orjson.dumps` of the body
        `respond` gives, made from a per-form template for plain chat lines and with embeddings' float vectors
        written from their JSON tables."""
        return self.line_answerer(endpoint)(body, custom_id, created)

    def line_answerer(self, endpoint: str) -> Callable[[Any, str, int], LineAnswer]:
        """`answer_line` for one endpoint, as a function of (body, custom_id, created): what a loop over the
        lines of a batch calls."""
        if endpoint != rq.CHAT:
            return lambda body, custom_id, created: self._line(endpoint, body, custom_id, created)
        forms = self._forms

        def answer_chat_line(body: Any, custom_id: str, created: int) -> LineAnswer:
            if type(body) is dict:
                answer = plain_chat_line(forms, self.seed, body, custom_id, created)
                if answer is not None:
                    return answer
            return self._line(endpoint, body, custom_id, created)

        return answer_chat_line

    def _line(self, endpoint: str, body: Any, custom_id: str, created: int) -> LineAnswer:
        """A line's answer through `respond` (embeddings through the lazy form, for its vectors' JSON tables)."""
        if endpoint == rq.EMBEDDINGS:  # float vectors written from their JSON tables (see `Call.lazy`)
            try:
                call = self._prepare(endpoint, body, custom_id, created, None)
                call.lazy = True
                lazy = self._handlers[endpoint](call)
            except EmulatorError as error:
                failed = ModelResult.from_error(error)
                return LineAnswer(failed.status_code, orjson.dumps(failed.body), failed.usage)
            answer_json = orjson.dumps({**lazy.body, "data": list(lazy.body["data"])})
            return LineAnswer(lazy.status_code, answer_json, lazy.usage)
        result = self.respond(endpoint, body, custom_id=custom_id, created=created)
        return LineAnswer(result.status_code, orjson.dumps(result.body), result.usage)

    def respond_lazily(self, endpoint: str, body: Mapping[str, Any], *, created: int = 0) -> ModelResult:
        """`respond` for a synchronous answer that is encoded piece by piece while it is sent: the request is
        validated before this returns (a bad one raises its `EmulatorError`), a long list in the body may be an
        iterator that computes its items as it is read (see `Call.lazy`), and a usage the body does not show
        (moderations') is not counted."""
        call = self._prepare(endpoint, body, None, created, None)
        call.lazy = True
        return self._handlers[endpoint](call)

    def stream_events(self, endpoint: str, body: Mapping[str, Any], *, created: int = 0) -> Iterator[dict[str, Any]]:
        """Streamed form of `respond` for chat completions (chunks), responses and images (typed events).

        The request is validated before this returns; a bad request raises its `EmulatorError`.
        """
        if endpoint not in (rq.CHAT, rq.RESPONSES, rq.IMAGE_GENERATIONS, rq.IMAGE_EDITS):
            raise InvalidRequest(f"Streaming is not supported for {endpoint}.", param="stream")
        call = self._prepare(endpoint, body, None, created, None)
        if endpoint in (rq.IMAGE_GENERATIONS, rq.IMAGE_EDITS):
            return iter(image_events(call, "image_generation" if endpoint == rq.IMAGE_GENERATIONS else "image_edit"))
        result = self._handlers[endpoint](call)
        if endpoint == rq.CHAT:
            options = body.get("stream_options")
            include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
            return chat_chunks(result.body, include_usage=include_usage)
        return response_events(result.body)

    def list_models(self) -> list[dict[str, Any]]:
        """Catalogue entries for `GET /v1/models`."""
        return model_entries(self.models or DEFAULT_MODELS)

    def _prepare(
        self, endpoint: str, body: Mapping[str, Any], custom_id: str | None, created: int, shape: ResponseShape | None
    ) -> Call:
        """Validate `body` and gather what its answer is computed from. A body whose form (everything but the
        per-line field) was seen before has only that field checked and encoded again."""
        checks = rq.CHECKS.get(endpoint)
        key = None
        if checks is not None and type(body) is dict and checks.line_field in body:
            key, form = self._forms.lookup(endpoint, body, checks.line_field)
        else:
            form = None
        if form is not None:
            assert checks is not None
            checks.run_line(body)
        else:
            self._validate(endpoint, body)
            if key is not None:
                assert checks is not None and type(body) is dict
                form = self._forms.add(endpoint, key, body, checks.line_field)
        if form is not None:
            assert checks is not None
            full, content = canonical_parts(form, body[checks.line_field])
        else:
            full = canonical(body)
            content = full if DELIVERY_KEYS.isdisjoint(body) else content_canonical(body)
        return Call(
            seed=self.seed,
            endpoint=endpoint,
            body=body,
            created=created,
            shape=shape or PLAIN,
            digest=digest_of(self.seed, endpoint, content),
            ids=IdMaker(self.seed, custom_id, full),
            form=form,
        )

    def _validate(self, endpoint: str, body: Mapping[str, Any]) -> None:
        rq.validate(endpoint, body, self.knows_model)
        if endpoint == rq.CHAT:
            _check_reasoning_parameters(body)


def _check_reasoning_parameters(body: Mapping[str, Any]) -> None:
    """Reasoning models refuse `max_tokens` and non-default sampling temperatures, like the real API."""
    model = body.get("model")
    if not isinstance(model, str) or not is_reasoning_model(model):
        return
    if "max_tokens" in body:
        raise InvalidRequest(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            param="max_tokens",
            code="unsupported_parameter",
        )
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        raise InvalidRequest(
            f"Unsupported value: 'temperature' does not support {temperature} with this model. "
            "Only the default (1) value is supported.",
            param="temperature",
            code="unsupported_value",
        )

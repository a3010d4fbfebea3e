"""A deterministic fake model for every batchable endpoint.

`FakeModel.respond(endpoint, body, custom_id=..., created=..., shape=...)` returns a `ModelResult`
(status code, JSON body, `TokenUsage`) that is a pure function of its arguments and the model's
seed. `count_tokens` is the single token estimate every answer's usage is built from.
"""

from emulator.fake_model.line_answers import LineAnswer
from emulator.fake_model.model import SUPPORTED_ENDPOINTS, FakeModel
from emulator.fake_model.result import ModelResult, ResponseShape, TokenUsage
from emulator.fake_model.tokens import count_tokens

__all__ = [
    "SUPPORTED_ENDPOINTS",
    "FakeModel",
    "LineAnswer",
    "ModelResult",
    "ResponseShape",
    "TokenUsage",
    "count_tokens",
]

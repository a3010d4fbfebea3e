"""CPU time per answer of the fake model, per endpoint, measured in-process.

Run: python benchmarks/bench_model.py [--seconds 1.0] [--repeat 3]
Each endpoint is driven with distinct bodies (a new user message per call, the options the same, as in a
batch), so answers cannot be cached, only what the fake model keeps per request form. The time is CPU time
of this process (`time.process_time`), the best of `--repeat` runs, so other load on the machine changes it
less than wall-clock time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from emulator.fake_model import FakeModel

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["name", "age", "email", "tags"],
    "additionalProperties": False,
}

CASES: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
    "chat (short)": (
        "/v1/chat/completions",
        lambda i: {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"Question number {i} about rivers"}],
        },
    ),
    "chat (batch line)": (
        "/v1/chat/completions",
        lambda i: {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"Question {i}: tell me about rivers."},
            ],
            "max_tokens": 60,
        },
    ),
    "chat (tools)": (
        "/v1/chat/completions",
        lambda i: {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"Weather {i}?"}],
            "tools": [WEATHER_TOOL],
        },
    ),
    "chat (json_schema)": (
        "/v1/chat/completions",
        lambda i: {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"Person {i}"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": PERSON_SCHEMA}},
        },
    ),
    "responses": ("/v1/responses", lambda i: {"model": "gpt-4.1-mini", "input": f"Say something about {i}"}),
    "completions": ("/v1/completions", lambda i: {"model": "gpt-3.5-turbo-instruct", "prompt": f"Once {i}"}),
    "embeddings (1536)": ("/v1/embeddings", lambda i: {"model": "text-embedding-3-small", "input": f"text {i}"}),
    "embeddings (base64)": (
        "/v1/embeddings",
        lambda i: {"model": "text-embedding-3-small", "input": f"text {i}", "encoding_format": "base64"},
    ),
    "moderations": ("/v1/moderations", lambda i: {"input": f"a calm sentence {i}"}),
    "images": ("/v1/images/generations", lambda i: {"prompt": f"a cat {i}", "model": "gpt-image-1"}),
    "videos": ("/v1/videos", lambda i: {"prompt": f"a wave {i}"}),
}


def measure(
    model: FakeModel, endpoint: str, make: Callable[[int], dict[str, Any]], seconds: float, as_line: bool
) -> float:
    """CPU seconds per answer over distinct pre-built bodies (body construction is not timed): `respond` (a dict,
    as a direct request gets it) or, `as_line`, the JSON bytes a batch line gets (`line_answerer`)."""
    bodies = [make(i) for i in range(20_000)]
    line = model.line_answerer(endpoint)
    done = 0
    spent = 0.0
    while spent < seconds:
        start = time.process_time()
        for body in bodies[done % 20_000 : done % 20_000 + 500]:
            if as_line:
                line(body, f"line-{done}", 1_700_000_000)
            else:
                model.respond(endpoint, body, custom_id=f"line-{done}", created=1_700_000_000)
            done += 1
        spent += time.process_time() - start
    return spent / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per endpoint; the best is reported")
    args = parser.parse_args()
    print(f"{'endpoint':<22} {'CPU us/answer':>14} {'answers/CPU s':>14} {'as batch line us':>17}")
    for name, (endpoint, make) in CASES.items():
        best = min(measure(FakeModel(seed=0), endpoint, make, args.seconds, False) for _ in range(args.repeat))
        line = min(measure(FakeModel(seed=0), endpoint, make, args.seconds, True) for _ in range(args.repeat))
        print(f"{name:<22} {best * 1e6:>14.1f} {1 / best:>14,.0f} {line * 1e6:>17.1f}")


if __name__ == "__main__":
    main()

"""Which functions a fake answer calls, and the JSON arguments it passes them.

Rules (the same for chat and responses):

* `tool_choice` "none", or no function tools: no call.
* a named function (`{"type": "function", ...}`): exactly that function.
* "required": at least one call. "auto" (the default when tools are given): call tools, unless the
  conversation's last message is a tool result, in which case the model answers in text.
* more than one candidate and `parallel_tool_calls` not false: two or three distinct functions
  (never more than given), picked by the content digest; otherwise one.
* `allowed_tools` narrows the candidates and carries its own "auto" / "required" mode.

Arguments are generated from each function's `parameters` schema, so they validate against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.digest import rng_for, sub_digest
from emulator.fake_model.schema.instance import SchemaTooLarge, instance_for


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    parameters: Mapping[str, Any] | None


def function_tools(tools: Any, *, nested: bool) -> list[FunctionSpec]:
    """The function tools of a request (`nested`: chat's `{"function": {...}}` layout)."""
    if not isinstance(tools, list):
        return []
    found: list[FunctionSpec] = []
    for tool in tools:
        if not isinstance(tool, Mapping) or tool.get("type") != "function":
            continue
        holder = tool.get("function") if nested else tool
        if isinstance(holder, Mapping) and isinstance(holder.get("name"), str):
            params = holder.get("parameters")
            found.append(FunctionSpec(holder["name"], params if isinstance(params, Mapping) else None))
    return found


def _choice_name(choice: Mapping[str, Any], *, nested: bool) -> str | None:
    holder = choice.get("function") if nested else choice
    name = holder.get("name") if isinstance(holder, Mapping) else None
    return name if isinstance(name, str) else None


def plan_calls(
    functions: list[FunctionSpec],
    tool_choice: Any,
    *,
    parallel: bool,
    after_tool_result: bool,
    digest: bytes,
    nested: bool,
) -> list[FunctionSpec]:
    """The functions this answer calls, in declaration order (empty for a text answer)."""
    if not functions or tool_choice == "none":
        return []
    mode = "auto" if tool_choice is None else tool_choice
    if isinstance(tool_choice, Mapping):
        kind = tool_choice.get("type")
        if kind == "function":
            name = _choice_name(tool_choice, nested=nested)
            return [f for f in functions if f.name == name][:1]
        if kind == "allowed_tools":
            spec = tool_choice.get("allowed_tools", tool_choice) if nested else tool_choice
            allowed = {_choice_name(t, nested=nested) for t in spec.get("tools", []) if isinstance(t, Mapping)}
            functions = [f for f in functions if f.name in allowed] or functions
            mode = spec.get("mode", "auto")
        else:
            mode = "auto"
    if mode == "auto" and after_tool_result:
        return []
    count = 1
    if parallel and len(functions) > 1:
        count = 2 + digest[9] % (min(3, len(functions)) - 1) if len(functions) > 2 else 2
    if count >= len(functions):
        return list(functions)
    rng = rng_for(sub_digest(digest, "tools"))
    chosen = set(rng.sample(range(len(functions)), count))
    return [f for i, f in enumerate(functions) if i in chosen]


def arguments_for(function: FunctionSpec, digest: bytes) -> str:
    """Compact JSON arguments that validate against the function's `parameters`."""
    if function.parameters is None:
        return "{}"
    try:
        value = instance_for(function.parameters, partial(rng_for, sub_digest(digest, "args:" + function.name)))
    except SchemaTooLarge as error:
        raise InvalidRequest(
            f"Invalid schema for function '{function.name}': {error}.", code="invalid_function_parameters"
        ) from None
    return orjson.dumps(value).decode()

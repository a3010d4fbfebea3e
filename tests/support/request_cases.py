"""Request bodies on both sides of the validation line, shared by the fake-model and the SDK tests.

The valid side: one /v1/responses `input` item of every type, messages and references without a type, and
the image sizes each model takes. The invalid side: bodies whose fields hold something the real API refuses,
each with the `param`, `code` and message of its 400.
"""

from __future__ import annotations

from typing import Any

from emulator.fake_model.validation.endpoints import (
    CHAT,
    EMBEDDINGS,
    IMAGE_EDITS,
    IMAGE_GENERATIONS,
    MODERATIONS,
    RESPONSES,
)

SCREENSHOT = {"type": "computer_screenshot", "image_url": "https://example.com/screen.png"}

# ---- the valid side ---------------------------------------------------------------------------------
# One item per type, with the fields the OpenAPI document or the SDK marks as required.
INPUT_ITEMS: dict[str, dict[str, Any]] = {
    "additional_tools": {"type": "additional_tools", "role": "developer", "tools": []},
    "agent_message": {"type": "agent_message", "author": "planner", "recipient": "writer", "content": []},
    "apply_patch_call": {
        "type": "apply_patch_call",
        "call_id": "call_patch",
        "status": "completed",
        "operation": {"type": "delete_file", "path": "notes.txt"},
    },
    "apply_patch_call_output": {"type": "apply_patch_call_output", "call_id": "call_patch", "status": "completed"},
    "code_interpreter_call": {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "status": "completed",
        "container_id": "cntr_1",
        "code": "print(1)",
        "outputs": [],
    },
    "compaction": {"type": "compaction", "encrypted_content": "opaque"},
    "compaction_trigger": {"type": "compaction_trigger"},
    "computer_call": {
        "type": "computer_call",
        "id": "cu_1",
        "call_id": "call_screen",
        "action": {"type": "screenshot"},
        "pending_safety_checks": [],
        "status": "completed",
    },
    "computer_call_output": {"type": "computer_call_output", "call_id": "call_screen", "output": SCREENSHOT},
    "configuration_update": {"type": "configuration_update", "reasoning": {"effort": "low"}},
    "custom_tool_call": {"type": "custom_tool_call", "call_id": "call_custom", "name": "grep", "input": "rain"},
    "custom_tool_call_output": {"type": "custom_tool_call_output", "call_id": "call_custom", "output": "3 lines"},
    "file_search_call": {"type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["rain"]},
    "function_call": {"type": "function_call", "call_id": "call_weather", "name": "get_weather", "arguments": "{}"},
    "function_call_output": {"type": "function_call_output", "call_id": "call_weather", "output": "Sunny"},
    "image_generation_call": {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": None},
    "item_reference": {"type": "item_reference", "id": "msg_earlier"},
    "local_shell_call": {
        "type": "local_shell_call",
        "id": "ls_1",
        "call_id": "call_shell",
        "action": {"type": "exec", "command": ["ls"], "env": {}},
        "status": "completed",
    },
    "local_shell_call_output": {
        "type": "local_shell_call_output",
        "id": "lso_1",
        "call_id": "call_shell",
        "output": "notes.txt",
    },
    "mcp_approval_request": {
        "type": "mcp_approval_request",
        "id": "mcpr_1",
        "server_label": "docs",
        "name": "search",
        "arguments": "{}",
    },
    "mcp_approval_response": {
        "type": "mcp_approval_response",
        "request_id": "mcpr_1",
        "approval_request_id": "mcpr_1",
        "approve": True,
    },
    "mcp_call": {"type": "mcp_call", "id": "mcp_1", "server_label": "docs", "name": "search", "arguments": "{}"},
    "mcp_list_tools": {"type": "mcp_list_tools", "id": "mcpl_1", "server_label": "docs", "tools": []},
    "message": {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Be brief."}]},
    "multi_agent_call": {"type": "multi_agent_call", "call_id": "call_agent", "action": {}, "arguments": "{}"},
    "multi_agent_call_output": {"type": "multi_agent_call_output", "call_id": "call_agent", "action": {}},
    "program": {"type": "program", "id": "cm_1", "call_id": "call_program", "code": "x", "fingerprint": "fp"},
    "program_output": {
        "type": "program_output",
        "id": "po_1",
        "call_id": "call_program",
        "result": "ok",
        "status": "completed",
    },
    "reasoning": {"type": "reasoning", "id": "rs_1", "summary": []},
    "shell_call": {"type": "shell_call", "call_id": "call_sh", "action": {"commands": ["ls"]}},
    "shell_call_output": {"type": "shell_call_output", "call_id": "call_sh", "output": []},
    "tool_search_call": {"type": "tool_search_call", "arguments": {"query": "weather"}},
    "tool_search_output": {"type": "tool_search_output", "tools": []},
    "web_search_call": {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "rain"},
    },
}

# Items whose `type` may be left out: the easy message forms and a bare reference.
UNTYPED_ITEMS: dict[str, dict[str, Any]] = {
    "user text": {"role": "user", "content": "Hello"},
    "system text": {"role": "system", "content": "Be brief."},
    "developer parts": {"role": "developer", "content": [{"type": "input_text", "text": "Answer in French."}]},
    "user image and file": {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"},
            {"type": "input_file", "file_id": "file-abc"},
        ],
    },
    "assistant text": {"role": "assistant", "content": "Hi there."},
    "assistant parts": {
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hi."}, {"type": "refusal", "refusal": "No."}],
    },
    "assistant output message": {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hi.", "annotations": []}],
    },
    "reference without type": {"id": "msg_earlier"},
}

# The sizes each model takes, as the OpenAPI document lists them (gpt-image-2 takes others too).
GENERATION_SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image-1": ("1024x1024", "1536x1024", "1024x1536", "auto"),
    "gpt-image-1-mini": ("1024x1024", "1536x1024", "1024x1536", "auto"),
    "gpt-image-1.5": ("1024x1024", "1536x1024", "1024x1536", "auto"),
    "gpt-image-2": ("1024x1024", "1536x864", "2560x1440", "auto"),
}
EDIT_SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "gpt-image-1": ("1024x1024", "1536x1024", "1024x1536", "auto"),
}


# ---- body builders ---------------------------------------------------------------------------------
IMAGE_URL = "https://example.com/cat.png"


def responses_body(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A /v1/responses body whose input is `items` followed by a user question."""
    return {"model": "gpt-4.1-mini", "input": [*items, {"role": "user", "content": "And now?"}], **extra}


def respond(*items: Any, **extra: Any) -> dict[str, Any]:
    """A /v1/responses body whose input is exactly `items`."""
    return {"model": "gpt-4.1-mini", "input": list(items), **extra}


def user(*parts: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(parts)}


def chat_parts(*parts: Any) -> dict[str, Any]:
    """A chat body whose one user message holds `parts`."""
    return {"model": "gpt-4o-mini", "messages": [user(*parts)]}


def moderate(*items: Any, model: str = "omni-moderation-latest") -> dict[str, Any]:
    return {"model": model, "input": list(items)}


def embed(value: Any) -> dict[str, Any]:
    return {"model": "text-embedding-3-small", "input": value, "encoding_format": "float"}


def generate(**extra: Any) -> dict[str, Any]:
    return {"prompt": "a fox in snow", **extra}


def edit(**extra: Any) -> dict[str, Any]:
    return {"prompt": "add a hat", "images": [{"image_url": IMAGE_URL}], **extra}


# Every size each model takes, on both image endpoints: (name, endpoint, body).
SIZE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    *(
        (f"generation-{model}-{size}", IMAGE_GENERATIONS, generate(model=model, size=size))
        for model, sizes in GENERATION_SIZES.items()
        for size in sizes
    ),
    *(
        (f"edit-{model}-{size}", IMAGE_EDITS, edit(model=model, size=size))
        for model, sizes in EDIT_SIZES.items()
        for size in sizes
    ),
]

# Valid variants of what the checks look at: (name, endpoint, body).
ACCEPTED: list[tuple[str, str, dict[str, Any]]] = [
    ("previous response instead of input", RESPONSES, respond(previous_response_id="resp_1")),
    (
        "chat parts of every kind",
        CHAT,
        chat_parts(
            {"type": "text", "text": "Compare these."},
            {"type": "image_url", "image_url": {"url": IMAGE_URL}},
            {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
            {"type": "file", "file": {"file_id": "file-abc"}},
        ),
    ),
    (
        "chat assistant refusal part",
        CHAT,
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]},
                user({"type": "text", "text": "Why?"}),
            ],
        },
    ),
    ("moderation strings", MODERATIONS, moderate("fine", "I will kill you")),
    (
        "moderation text and image",
        MODERATIONS,
        moderate({"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": IMAGE_URL}}),
    ),
    ("text moderation strings", MODERATIONS, moderate("fine", model="text-moderation-latest")),
    ("embedding strings", EMBEDDINGS, embed(["alpha", "beta"])),
    ("embedding tokens", EMBEDDINGS, embed([1212, 318])),
    ("embedding token lists", EMBEDDINGS, embed([[1212, 318], [257]])),
    ("gpt-image-2 custom size", IMAGE_GENERATIONS, generate(model="gpt-image-2", size="1536x864")),
    ("unlisted image model size", IMAGE_GENERATIONS, generate(model="my-image-model", size="123x123")),
    ("dall-e-3 qualities", IMAGE_GENERATIONS, generate(model="dall-e-3", quality="hd", style="natural", n=1)),
    ("dall-e-2 standard quality", IMAGE_GENERATIONS, generate(model="dall-e-2", quality="standard", n=10)),
    (
        "gpt-image options",
        IMAGE_GENERATIONS,
        generate(
            model="gpt-image-1",
            quality="high",
            background="transparent",
            output_format="webp",
            output_compression=0,
            moderation="low",
        ),
    ),
    ("edit of sixteen images", IMAGE_EDITS, edit(images=[{"file_id": "file-abc"}] * 16, input_fidelity="high")),
]


# ---- the invalid side -------------------------------------------------------------------------------
ROLES = "Supported values are: 'assistant', 'system', 'developer', and 'user'."
GPT_QUALITIES = "Supported values are: 'low', 'medium', 'high', and 'auto'."
EMBEDDING_INPUT = (
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
)
NOTHING_TO_ANSWER = """One of "input" or "previous_response_id" or 'prompt' or 'conversation' must be provided."""

# (name, endpoint, body, param, code, message)
Rejection = tuple[str, str, Any, str | None, str | None, str]
REJECTED: list[Rejection] = [
    # /v1/responses input items
    (
        "item not an object",
        RESPONSES,
        respond(1),
        "input[0]",
        "invalid_type",
        "Invalid type for 'input[0]': expected an input item, but got an integer instead.",
    ),
    (
        "item null",
        RESPONSES,
        respond(None),
        "input[0]",
        "invalid_type",
        "Invalid type for 'input[0]': expected an input item, but got null instead.",
    ),
    (
        "item without type or role",
        RESPONSES,
        respond({"foo": 1}),
        "input[0]",
        "invalid_value",
        f"Invalid value: ''. {ROLES}",
    ),
    (
        "message with the tool role",
        RESPONSES,
        respond({"role": "tool", "content": "x"}),
        "input[0]",
        "invalid_value",
        f"Invalid value: 'tool'. {ROLES}",
    ),
    (
        "typed message without role",
        RESPONSES,
        respond({"type": "message", "content": "x"}),
        "input[0]",
        "invalid_value",
        f"Invalid value: ''. {ROLES}",
    ),
    (
        "message without content",
        RESPONSES,
        respond({"role": "user"}),
        "input[0].content",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].content'.",
    ),
    (
        "content of the wrong type",
        RESPONSES,
        respond({"role": "user", "content": 5}),
        "input[0].content",
        "invalid_type",
        "Invalid type for 'input[0].content': expected a string or an array, but got an integer instead.",
    ),
    (
        "content part not an object",
        RESPONSES,
        respond(user("hi")),
        "input[0].content[0]",
        "invalid_type",
        "Invalid type for 'input[0].content[0]': expected an object, but got a string instead.",
    ),
    (
        "content part without type",
        RESPONSES,
        respond(user({"text": "hi"})),
        "input[0].content[0].type",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].content[0].type'.",
    ),
    (
        "chat content part in responses",
        RESPONSES,
        respond(user({"type": "text", "text": "hi"})),
        "input[0].content[0].type",
        "invalid_value",
        "Invalid value: 'text'. Supported values are: 'input_text', 'input_image', 'input_audio', 'output_text', "
        "'refusal', 'input_file', 'computer_screenshot', 'summary_text', and 'encrypted_content'.",
    ),
    (
        "assistant with input_text",
        RESPONSES,
        respond({"role": "assistant", "content": [{"type": "input_text", "text": "hi"}]}),
        "input[0].content[0]",
        "invalid_value",
        "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
    ),
    (
        "user with output_text",
        RESPONSES,
        respond(user({"type": "output_text", "text": "hi"})),
        "input[0].content[0]",
        "invalid_value",
        "Invalid value: 'output_text'. Supported values are: 'input_text', 'input_image', 'input_file', "
        "'scoped_content', and 'input_audio'.",
    ),
    (
        "input_text without text",
        RESPONSES,
        respond(user({"type": "input_text"})),
        "input[0].content[0].text",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].content[0].text'.",
    ),
    (
        "function_call without call_id",
        RESPONSES,
        respond({"type": "function_call", "name": "f", "arguments": "{}"}),
        "input[0].call_id",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].call_id'.",
    ),
    (
        "function_call_output without output",
        RESPONSES,
        respond({"type": "function_call_output", "call_id": "call_1"}),
        "input[0].output",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].output'.",
    ),
    (
        "item_reference without id",
        RESPONSES,
        respond({"type": "item_reference"}),
        "input[0].id",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].id'.",
    ),
    (
        "a later item",
        RESPONSES,
        respond({"role": "user", "content": "ok"}, [1]),
        "input[1]",
        "invalid_type",
        "Invalid type for 'input[1]': expected an input item, but got an array instead.",
    ),
    (
        "items before a later bad field",
        RESPONSES,
        respond({}, temperature=5),
        "input[0]",
        "invalid_value",
        f"Invalid value: ''. {ROLES}",
    ),
    ("empty input list", RESPONSES, respond(), None, "missing_required_parameter", NOTHING_TO_ANSWER),
    (
        "empty input string",
        RESPONSES,
        {"model": "gpt-4.1-mini", "input": ""},
        None,
        "missing_required_parameter",
        NOTHING_TO_ANSWER,
    ),
    (
        "empty input after a bad field",
        RESPONSES,
        respond(temperature=5),
        "temperature",
        "decimal_above_max_value",
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead.",
    ),
    # chat content parts
    (
        "responses content part in chat",
        CHAT,
        chat_parts({"type": "input_text", "text": "hi"}),
        "messages[0].content[0].type",
        "invalid_value",
        "Invalid value: 'input_text'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', "
        "'audio', and 'file'.",
    ),
    (
        "chat content part not an object",
        CHAT,
        chat_parts("hi"),
        "messages[0].content[0]",
        "invalid_type",
        "Invalid type for 'messages[0].content[0]': expected an object, but got a string instead.",
    ),
    (
        "chat text part without text",
        CHAT,
        chat_parts({"type": "text"}),
        "messages[0].content[0].text",
        "missing_required_parameter",
        "Missing required parameter: 'messages[0].content[0].text'.",
    ),
    (
        "chat image part without image_url",
        CHAT,
        chat_parts({"type": "text", "text": "What is this?"}, {"type": "image_url"}),
        "messages[0].content[1].image_url",
        "missing_required_parameter",
        "Missing required parameter: 'messages[0].content[1].image_url'.",
    ),
    # moderation inputs
    (
        "number among strings",
        MODERATIONS,
        moderate("fine", 5),
        "input[1]",
        "invalid_type",
        "Invalid type for 'input[1]': expected a string, but got an integer instead.",
    ),
    (
        "object after a string",
        MODERATIONS,
        moderate("fine", {"type": "text", "text": "x"}),
        "input[1]",
        "invalid_type",
        "Invalid type for 'input[1]': expected a string, but got an object instead.",
    ),
    (
        "string after an object",
        MODERATIONS,
        moderate({"type": "text", "text": "x"}, "fine"),
        "input[1]",
        "invalid_type",
        "Invalid type for 'input[1]': expected an object, but got a string instead.",
    ),
    (
        "unknown multimodal type",
        MODERATIONS,
        moderate({"type": "image", "url": IMAGE_URL}),
        "input[0].type",
        "invalid_value",
        "Invalid value: 'image'. Supported values are: 'image_url' and 'text'.",
    ),
    (
        "text object without text",
        MODERATIONS,
        moderate({"type": "text"}),
        "input[0].text",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].text'.",
    ),
    (
        "image object without image_url",
        MODERATIONS,
        moderate({"type": "image_url"}),
        "input[0].image_url",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].image_url'.",
    ),
    (
        "image_url as a string",
        MODERATIONS,
        moderate({"type": "image_url", "image_url": IMAGE_URL}),
        "input[0].image_url",
        "invalid_type",
        "Invalid type for 'input[0].image_url': expected an object, but got a string instead.",
    ),
    (
        "image_url without url",
        MODERATIONS,
        moderate({"type": "image_url", "image_url": {}}),
        "input[0].image_url.url",
        "missing_required_parameter",
        "Missing required parameter: 'input[0].image_url.url'.",
    ),
    (
        "objects for a text moderation model",
        MODERATIONS,
        moderate({"type": "text", "text": "x"}, model="text-moderation-latest"),
        "input[0]",
        "invalid_type",
        "Invalid type for 'input[0]': expected a string, but got an object instead.",
    ),
    # embedding inputs
    ("object in the input list", EMBEDDINGS, embed([{"text": "a"}]), "input", "invalid_value", EMBEDDING_INPUT),
    ("strings and tokens mixed", EMBEDDINGS, embed(["a", 1]), "input", "invalid_value", EMBEDDING_INPUT),
    ("empty token list", EMBEDDINGS, embed([[1, 2], []]), "input", "invalid_value", EMBEDDING_INPUT),
    ("booleans as tokens", EMBEDDINGS, embed([True]), "input", "invalid_value", EMBEDDING_INPUT),
    (
        "unknown encoding_format",
        EMBEDDINGS,
        embed("a") | {"encoding_format": "float64"},
        "encoding_format",
        "invalid_value",
        "Invalid value: 'float64'. Supported values are: 'float' and 'base64'.",
    ),
    (
        "zero dimensions",
        EMBEDDINGS,
        embed("a") | {"dimensions": 0},
        "dimensions",
        "integer_below_min_value",
        "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ),
    # image generations
    (
        "dall-e-2 size",
        IMAGE_GENERATIONS,
        generate(model="dall-e-2", size="123x123"),
        "size",
        "invalid_value",
        "Invalid value: '123x123'. Supported values are: '256x256', '512x512', and '1024x1024'.",
    ),
    (
        "dall-e-2 with a dall-e-3 size",
        IMAGE_GENERATIONS,
        generate(model="dall-e-2", size="1792x1024"),
        "size",
        "invalid_value",
        "Invalid value: '1792x1024'. Supported values are: '256x256', '512x512', and '1024x1024'.",
    ),
    (
        "dall-e-3 size",
        IMAGE_GENERATIONS,
        generate(model="dall-e-3", size="512x512"),
        "size",
        "invalid_value",
        "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1792', and '1792x1024'.",
    ),
    (
        "gpt-image-1 size",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", size="512x512"),
        "size",
        "invalid_value",
        "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
    ),
    (
        "size without a model",
        IMAGE_GENERATIONS,
        generate(size="100x100"),
        "size",
        "invalid_value",
        "Invalid value: '100x100'. Supported values are: 'auto', '1024x1024', '1536x1024', '1024x1536', "
        "'256x256', '512x512', '1792x1024', and '1024x1792'.",
    ),
    (
        "size as a number",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-2", size=1024),
        "size",
        "invalid_type",
        "Invalid type for 'size': expected a string, but got an integer instead.",
    ),
    (
        "gpt-image-1 quality",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", quality="standard"),
        "quality",
        "invalid_value",
        f"Invalid value: 'standard'. {GPT_QUALITIES}",
    ),
    (
        "unknown quality",
        IMAGE_GENERATIONS,
        generate(model="dall-e-3", quality="ultra"),
        "quality",
        "invalid_value",
        "Invalid value: 'ultra'. Supported values are: 'standard', 'hd', 'low', 'medium', 'high', and 'auto'.",
    ),
    (
        "dall-e-3 n",
        IMAGE_GENERATIONS,
        generate(model="dall-e-3", n=2),
        None,
        None,
        "You must provide n=1 for this model.",
    ),
    (
        "n above ten",
        IMAGE_GENERATIONS,
        generate(n=11),
        "n",
        "integer_above_max_value",
        "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead.",
    ),
    (
        "response_format",
        IMAGE_GENERATIONS,
        generate(response_format="png"),
        "response_format",
        "invalid_value",
        "Invalid value: 'png'. Supported values are: 'url' and 'b64_json'.",
    ),
    (
        "output_format",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", output_format="gif"),
        "output_format",
        "invalid_value",
        "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'.",
    ),
    (
        "background",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", background="white"),
        "background",
        "invalid_value",
        "Invalid value: 'white'. Supported values are: 'transparent', 'opaque', and 'auto'.",
    ),
    (
        "moderation",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", moderation="strict"),
        "moderation",
        "invalid_value",
        "Invalid value: 'strict'. Supported values are: 'low' and 'auto'.",
    ),
    (
        "style",
        IMAGE_GENERATIONS,
        generate(model="dall-e-3", style="bold"),
        "style",
        "invalid_value",
        "Invalid value: 'bold'. Supported values are: 'vivid' and 'natural'.",
    ),
    (
        "output_compression",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", output_compression=101),
        "output_compression",
        "integer_above_max_value",
        "Invalid 'output_compression': integer above maximum value. Expected a value <= 100, but got 101 instead.",
    ),
    (
        "partial_images",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", partial_images=4),
        "partial_images",
        "integer_above_max_value",
        "Invalid 'partial_images': integer above maximum value. Expected a value <= 3, but got 4 instead.",
    ),
    (
        "stream",
        IMAGE_GENERATIONS,
        generate(model="gpt-image-1", stream="yes"),
        "stream",
        "invalid_type",
        "Invalid type for 'stream': expected a boolean, but got a string instead.",
    ),
    # image edits
    (
        "dall-e-2 edit size",
        IMAGE_EDITS,
        edit(model="dall-e-2", size="1536x1024"),
        "size",
        "invalid_value",
        "Invalid value: '1536x1024'. Supported values are: '256x256', '512x512', and '1024x1024'.",
    ),
    (
        "edit size without a model",
        IMAGE_EDITS,
        edit(size="1792x1024"),
        "size",
        "invalid_value",
        "Invalid value: '1792x1024'. Supported values are: '256x256', '512x512', '1024x1024', '1536x1024', "
        "'1024x1536', and 'auto'.",
    ),
    (
        "gpt-image-1 edit quality",
        IMAGE_EDITS,
        edit(model="gpt-image-1", quality="standard"),
        "quality",
        "invalid_value",
        f"Invalid value: 'standard'. {GPT_QUALITIES}",
    ),
    (
        "edit quality without a model",
        IMAGE_EDITS,
        edit(quality="hd"),
        "quality",
        "invalid_value",
        "Invalid value: 'hd'. Supported values are: 'standard', 'low', 'medium', 'high', and 'auto'.",
    ),
    (
        "input_fidelity",
        IMAGE_EDITS,
        edit(model="gpt-image-1", input_fidelity="max"),
        "input_fidelity",
        "invalid_value",
        "Invalid value: 'max'. Supported values are: 'high' and 'low'.",
    ),
    (
        "no images",
        IMAGE_EDITS,
        edit(images=[]),
        "images",
        "empty_array",
        "Invalid 'images': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ),
    (
        "seventeen images",
        IMAGE_EDITS,
        edit(images=[{"image_url": IMAGE_URL}] * 17),
        "images",
        "array_above_max_length",
        "Invalid 'images': array too long. Expected an array with maximum length 16, "
        "but got an array with length 17 instead.",
    ),
    (
        "image given as a bare URL",
        IMAGE_EDITS,
        edit(images=[IMAGE_URL]),
        "images[0]",
        "invalid_type",
        "Invalid type for 'images[0]': expected an object, but got a string instead.",
    ),
]

"""Loading scenario documents (YAML or JSON) with precise errors, and the registry of named scenarios.

Every problem is reported as `SOURCE:LINE: code [field.path]: message`, the format of every file check of the
command line: the pydantic error location is mapped back to the YAML node it came from (`yaml.compose` keeps
line marks). Documents given as already-parsed objects (the admin API) have no lines and read
`SOURCE: code [field.path]: message`. A wrong value names the values allowed there, never an internal type.

The bundled scenarios live in `emulator/bundled_scenarios/` (package data, found the same way in a checkout
and in an installed wheel). They are parsed on first use and cached by path and modification time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from emulator.config import Timing
from emulator.engine.errors import InvalidRequest, format_problem
from emulator.engine.nesting import nesting_exceeds
from emulator.scenario import SCENARIO_SUFFIXES
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.schema import NAME_PATTERN, Scenario
from emulator.scenario.yaml_guard import YamlGuard, YamlTooComplex, check_document

ADMIN_SOURCE = "<admin>"
DEFAULT_NAME = "happy_path"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FIELD = re.compile(r"[a-z_][a-z0-9_]*")
DEFAULT_GUARD = YamlGuard()
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "none"})


class ScenarioError(InvalidRequest):
    """A scenario that cannot be used; the admin API answers it as a 400 with param "scenario"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), param="scenario", code="invalid_scenario")
        self.problems = problems


# -- parsing -------------------------------------------------------------------------------------------


def parse_document(
    document: str | bytes | Mapping[str, Any], source: str = ADMIN_SOURCE, guard: YamlGuard = DEFAULT_GUARD
) -> Scenario:
    """Validate a scenario given as YAML/JSON text (within `guard`) or as an already-decoded mapping."""
    if isinstance(document, Mapping):
        return _validate(dict(document), None, source)
    text = document.decode() if isinstance(document, bytes) else document
    data, node = _compose(text, source, guard)
    return _validate(data, node, source)


def load_scenario_file(path: str | Path) -> Scenario:
    """Parse one scenario file (cached by path, size and modification time); a missing `name` is the stem."""
    target = Path(path)
    stat = target.stat()
    return _load_cached(str(target), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _load_cached(path: str, mtime_ns: int, size: int) -> Scenario:
    target = Path(path)
    data, node = _compose(target.read_text(encoding="utf-8"), path)
    if isinstance(data, dict) and "name" not in data and re.match(NAME_PATTERN, target.stem):
        data["name"] = target.stem
    return _validate(data, node, path)


def load_document(text: str, source: str = ADMIN_SOURCE, guard: YamlGuard = DEFAULT_GUARD) -> Any:
    """The data of a YAML or JSON document within `guard`, not yet checked as a scenario."""
    return _compose(text, source, guard)[0]


def _compose(text: str, source: str, guard: YamlGuard = DEFAULT_GUARD) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_document(node, guard)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        if text.lstrip().startswith("{"):
            return _json_fallback(text, source, guard), None
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(
            [format_problem(source, line, "invalid_yaml", "<document>", str(exc.problem or exc))]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([format_problem(source, 1, "invalid_yaml", "<document>", str(exc))]) from None
    except YamlTooComplex as exc:
        raise ScenarioError([format_problem(source, None, "too_complex", "<document>", str(exc))]) from None
    except RecursionError:
        raise ScenarioError(
            [format_problem(source, None, "too_complex", "<document>", "nested too deeply to read")]
        ) from None
    finally:
        loader.dispose()
    if node is not None:
        duplicates = list(_duplicate_keys(node, []))
        if duplicates:
            raise ScenarioError(
                [format_problem(source, line, "duplicate_key", path, "duplicate key") for line, path in duplicates]
            )
    return data, node


def _json_fallback(text: str, source: str, guard: YamlGuard) -> Any:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ScenarioError([format_problem(source, exc.lineno, "invalid_json", "<document>", exc.msg)]) from None
    if nesting_exceeds(data, guard.max_depth):
        message = f"nested more than {guard.max_depth} levels deep"
        raise ScenarioError([format_problem(source, None, "too_complex", "<document>", message)])
    return data


def _duplicate_keys(node: yaml.Node, path: list[str | int]) -> Iterable[tuple[int, str]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name in seen:
                yield key.start_mark.line + 1, _format_path([*path, name])
            seen.add(name)
            yield from _duplicate_keys(value, [*path, name if name is not None else "?"])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, [*path, index])


def _validate(data: Any, node: yaml.Node | None, source: str) -> Scenario:
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else (1 if data is None else None)
        kind = "nothing" if data is None else type(data).__name__
        message = f"a scenario is a mapping of keys, not {kind}"
        raise ScenarioError([format_problem(source, line, "invalid_type", "<document>", message)])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        found = [_problem(error, data, node, source) for error in exc.errors(include_url=False)]
        raise ScenarioError([text for _, text in sorted(found, key=lambda item: item[0])]) from None


# -- error locations -----------------------------------------------------------------------------------


def _problem(error: ErrorDetails, data: Any, node: yaml.Node | None, source: str) -> tuple[int, str]:
    """(line, formatted problem) for one pydantic error."""
    path, line = _locate(error["loc"], data, node)
    return line or 0, format_problem(source, line, _code(error), _format_path(path), _message(error, path))


def _code(error: ErrorDetails) -> str:
    """A short code for a pydantic error: unknown_key, missing_required_parameter or invalid_value."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown_key"
    if kind == "missing":
        return "missing_required_parameter"
    return "invalid_value"


def _locate(loc: tuple[int | str, ...], data: Any, node: yaml.Node | None) -> tuple[list[str | int], int | None]:
    """The readable path of a pydantic location and the line of the YAML node it points at."""
    path: list[str | int] = []
    line = node.start_mark.line + 1 if node is not None else None
    for position, element in enumerate(loc):
        if isinstance(data, dict) and isinstance(element, str) and element in data:
            data = data[element]
            path.append(element)
            if isinstance(node, yaml.MappingNode):
                key, node = _mapping_child(node, element)
                line = key.start_mark.line + 1
            continue
        if isinstance(data, list) and isinstance(element, int) and 0 <= element < len(data):
            data = data[element]
            path.append(element)
            if isinstance(node, yaml.SequenceNode):
                node = node.value[element]
                line = node.start_mark.line + 1
            continue
        if isinstance(element, str) and position == len(loc) - 1 and _looks_like_field(element):
            path.append(element)
    return path, line


def _mapping_child(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node]:
    for key, value in reversed(node.value):
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return key, value
    return node, node


def _looks_like_field(element: str) -> bool:
    return element not in _TYPE_TAGS and _FIELD.fullmatch(element) is not None


def _format_path(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<document>"


def _message(error: ErrorDetails, path: list[str | int]) -> str:
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(path[:-1])
        return "unknown key" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        allowed = _allowed_keys(path)
        message = "expected a mapping" + (f" with the keys: {', '.join(allowed)}" if allowed else "")
    value = error.get("input")
    if error["type"] not in ("missing", "value_error") and isinstance(value, str | int | float | bool):
        shown = repr(value)
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return message


def _allowed_keys(path: list[str | int]) -> list[str]:
    """The keys the model at `path` accepts (for "unknown key" messages)."""
    model: type[BaseModel] | None = Scenario
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        model = _field_model(model, part)
    if model is None:
        return []
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _field_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return _find_model(info.annotation)
    return None


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _find_model(argument)
        if found is not None:
            return found
    return None


# -- the registry --------------------------------------------------------------------------------------


def bundled_directory() -> Path | None:
    """Where the bundled scenario files are: `emulator/bundled_scenarios/` (package data in a wheel)."""
    candidate = Path(__file__).resolve().parents[1] / "bundled_scenarios"  # emulator/bundled_scenarios
    return candidate if candidate.is_dir() else None


class ScenarioRegistry:
    """Named scenarios: the bundled ones (parsed on first use) plus user files and documents.

    A user file or document registered under a bundled name replaces it in this registry.
    """

    def __init__(
        self, *, bundled: bool = True, bundled_dir: Path | None = None, base_timing: Timing | None = None
    ) -> None:
        """`base_timing` is handed to the engines `engine()` builds (default: `Timing()`)."""
        self.base_timing = base_timing
        self._bundled_dir = (bundled_dir or bundled_directory()) if bundled else None
        self.restart()

    def restart(self) -> None:
        """Back to the state just after construction: the bundled scenarios only, no engine built yet."""
        self._engines: dict[str, ScenarioEngine] = {}
        self._files: dict[str, Path] = {}
        self._scenarios: dict[str, Scenario] = {}
        self._sources: dict[str, str] = {}
        self._by_path: dict[Path, str] = {}
        directory = self._bundled_dir
        if directory is not None:
            for file in sorted(directory.iterdir()):
                if file.suffix in SCENARIO_SUFFIXES:
                    self._files[file.stem] = file
                    self._sources[file.stem] = "bundled"

    def names(self) -> list[str]:
        return sorted(set(self._files) | set(self._scenarios))

    def __contains__(self, name: object) -> bool:
        return name in self._files or name in self._scenarios

    def get(self, name: str) -> Scenario:
        """The scenario called `name`; ScenarioError when there is none."""
        if name not in self._scenarios:
            if name not in self._files:
                available = ", ".join(self.names()) or "none"
                raise ScenarioError([f"unknown scenario {name!r}; available: {available}"])
            self._scenarios[name] = load_scenario_file(self._files[name])
        return self._scenarios[name]

    def engine(self, name: str) -> ScenarioEngine:
        """A long-lived engine for the named scenario (one per name, so its counters carry across batches).

        Used for batches that pick their own scenario; ScenarioError when the name is unknown.
        """
        if name not in self._engines:
            self._engines[name] = ScenarioEngine(self.get(name), base_timing=self.base_timing)
        return self._engines[name]

    def reset(self) -> None:
        """Counters of every engine handed out by `engine()` back to zero."""
        for engine in self._engines.values():
            engine.reset()

    def default(self) -> Scenario:
        """The scenario in force when none was chosen: bundled happy_path, or an empty one."""
        return self.get(DEFAULT_NAME) if DEFAULT_NAME in self else Scenario(name=DEFAULT_NAME)

    def register(self, scenario: Scenario, source: str = ADMIN_SOURCE) -> Scenario:
        self._scenarios[scenario.name] = scenario
        self._files.pop(scenario.name, None)
        self._engines.pop(scenario.name, None)
        self._sources[scenario.name] = source
        return scenario

    def load_file(self, path: str | Path) -> Scenario:
        """Parse a user file and register it under its `name` (the file stem when it has none)."""
        target = Path(path)
        scenario = self.register(load_scenario_file(target), str(target))
        self._by_path[target.resolve()] = scenario.name
        return scenario

    def name_of(self, path: str | Path) -> str:
        """The name a file is registered under (loading it first if needed)."""
        resolved = Path(path).resolve()
        if resolved not in self._by_path:
            self.load_file(path)
        return self._by_path[resolved]

    def parse_document(
        self, document: str | bytes | Mapping[str, Any], source: str = ADMIN_SOURCE, guard: YamlGuard = DEFAULT_GUARD
    ) -> Scenario:
        """Validate a document without registering it."""
        return parse_document(document, source, guard)

    def resolve(self, spec: str | Path | Mapping[str, Any]) -> Scenario:
        """A scenario from a name, a file path, `{"name": NAME}`, a whole document (mapping or text)."""
        if isinstance(spec, Mapping):
            if set(spec) == {"name"} and isinstance(spec["name"], str):
                return self.get(spec["name"])
            return parse_document(spec)
        if isinstance(spec, Path):
            return self.load_file(spec)
        if spec in self:
            return self.get(spec)
        if "\n" not in spec and Path(spec).suffix in SCENARIO_SUFFIXES and Path(spec).is_file():
            return self.load_file(spec)
        if "\n" in spec or spec.lstrip().startswith("{"):
            return parse_document(spec)
        return self.get(spec)

    def describe(self) -> list[dict[str, str]]:
        """One entry per name: name, description and where it came from ("bundled", a path, "<admin>")."""
        return [
            {"name": name, "description": self.get(name).description, "source": self._sources.get(name, "")}
            for name in self.names()
        ]


# -- command-line helpers ------------------------------------------------------------------------------


def check_files(paths: Iterable[str | Path]) -> list[str]:
    """Every problem in the given scenario files as `FILE:LINE: code [field.path]: message`; empty if none."""
    problems: list[str] = []
    for path in paths:
        try:
            load_scenario_file(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(format_problem(str(path), 1, "unreadable_file", "<file>", f"cannot read: {reason}"))
    return problems


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario document, for editors and `scenario schema`."""
    schema = Scenario.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "batch-emulator scenario"}

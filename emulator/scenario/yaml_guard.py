"""Bounds on a composed YAML document, checked before anything walks or builds it.

YAML aliases share nodes, so a few hundred bytes can describe a document with billions of nodes once the
aliases are followed (the "billion laughs"), and deep nesting exhausts the stack of every recursive walk.
`check_document` walks the node graph once, without recursion, visiting each node a single time, and refuses
a document that uses more aliases than allowed, nests deeper than allowed, refers to itself, or would expand
to more than `MAX_EXPANDED_NODES` nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from emulator.config import RequestLimits

MAX_EXPANDED_NODES = 100_000
_DEFAULTS = RequestLimits()


@dataclass(frozen=True, slots=True)
class YamlGuard:
    """How far a scenario document may nest and how many aliases it may use."""

    max_depth: int = _DEFAULTS.yaml_max_depth
    max_aliases: int = _DEFAULTS.yaml_max_aliases

    @classmethod
    def from_limits(cls, limits: RequestLimits) -> YamlGuard:
        return cls(limits.yaml_max_depth, limits.yaml_max_aliases)


class YamlTooComplex(ValueError):
    """A document beyond a guard's bounds; the message says which bound and where."""


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def check_document(root: yaml.Node, guard: YamlGuard) -> None:
    """Raise `YamlTooComplex` unless `root` stays within `guard` and `MAX_EXPANDED_NODES`.

    Each node is visited once; an alias adds the expanded size of the node it repeats, so `expanded` is the
    size of the document with every alias followed, known without following any.
    """
    finished: dict[int, tuple[int, int]] = {}  # node id -> (expanded size, height)
    open_ids = {id(root)}
    aliases = 0
    expanded = 1
    stack: list[tuple[yaml.Node, Iterator[yaml.Node], list[int]]] = [(root, _children(root), [1, 1])]
    while stack:
        node, children, totals = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            open_ids.discard(id(node))
            finished[id(node)] = (totals[0], totals[1])
            if stack:
                parent = stack[-1][2]
                parent[0] += totals[0]
                parent[1] = max(parent[1], totals[1] + 1)
            continue
        key = id(child)
        if key in open_ids:
            raise YamlTooComplex(f"line {_line(child)}: an alias refers to a node that contains it")
        if key in finished:
            size, height = finished[key]
            aliases += 1
            expanded += size
            totals[0] += size
            totals[1] = max(totals[1], height + 1)
            if aliases > guard.max_aliases:
                raise YamlTooComplex(f"line {_line(child)}: more than {guard.max_aliases} aliases")
            if expanded > MAX_EXPANDED_NODES:
                raise YamlTooComplex(f"line {_line(child)}: the aliases expand to more than {MAX_EXPANDED_NODES} nodes")
            if len(stack) + height > guard.max_depth:
                raise YamlTooComplex(f"line {_line(child)}: nested more than {guard.max_depth} levels deep")
            continue
        if len(stack) + 1 > guard.max_depth:
            raise YamlTooComplex(f"line {_line(child)}: nested more than {guard.max_depth} levels deep")
        expanded += 1
        open_ids.add(key)
        stack.append((child, _children(child), [1, 1]))

"""The values the dataflow core computes: where a value comes from (`Source`), how it got to
where it is (`Step`), and whether something on the way bounded its size (`Taint.bounded`).

A `Value` is the set of taints an expression may carry. The empty value means "nothing we
know of flows here". Values are immutable; every operation returns a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import libcst as cst

# Built-in source kinds.
INPUT = "input"                # untrusted input: request bodies, input(), argv, files, HTTP, tools, documents
MODEL_OUTPUT = "model-output"  # what an LLM call returned
DOWNLOAD = "download"          # a file fetched from the network (hf_hub_download, urlretrieve, ...)
HISTORY = "history"            # a conversation list that grows every turn (see AIL604)
PARAM = "param"                # internal: a parameter of the function being analysed

MAX_STEPS = 8


@dataclass(frozen=True, eq=False)
class Source:
    """Where a tainted value starts. `node` is the expression (or parameter) that produces it;
    `label` says what it is in words ("request body (parameter `req`)")."""

    kind: str
    label: str
    node: cst.CSTNode
    model: Optional[str] = None  # the pydantic model class a request body is parsed into
    index: int = -1              # PARAM only: the parameter's position
    origin: str = ""             # finer kind: request, cli, file, http, tool, retrieval, websocket, ...


@dataclass(frozen=True, eq=False)
class Step:
    """One hop on a flow, for explanations: an assignment (`prompt`), a helper (`build_prompt()`),
    a call from another function."""

    node: cst.CSTNode
    note: str


@dataclass(frozen=True)
class Taint:
    """A source reaching an expression. `bounded`: something on the path capped its size (a
    slice, `textwrap.shorten`, a truncation helper, a `len()` check, `max_length`).
    `formatted`: the value went through string building (f-string, `%`, `+`, `.format`, `join`)."""

    source: Source
    bounded: bool = False
    formatted: bool = False
    steps: Tuple[Step, ...] = ()
    model: Optional[str] = None

    @property
    def key(self) -> Tuple[int, bool, bool, Optional[str]]:
        return (id(self.source), self.bounded, self.formatted, self.model)

    @property
    def kind(self) -> str:
        return self.source.kind

    def with_step(self, node: cst.CSTNode, note: str) -> "Taint":
        if len(self.steps) >= MAX_STEPS or (self.steps and self.steps[-1].node is node):
            return self
        return replace(self, steps=self.steps + (Step(node, note),))


class Value:
    """The set of taints an expression may carry (keyed so a loop reaches a fixed point)."""

    __slots__ = ("_taints",)

    def __init__(self, taints: Iterable[Taint] = ()) -> None:
        found: Dict[tuple, Taint] = {}
        for taint in taints:
            found.setdefault(taint.key, taint)
        self._taints = found

    @classmethod
    def of(cls, source: Source, bounded: bool = False) -> "Value":
        return cls((Taint(source, bounded=bounded, model=source.model),))

    def __or__(self, other: "Value") -> "Value":
        if not other._taints:
            return self
        if not self._taints:
            return other
        merged = Value()
        merged._taints = dict(self._taints)
        for key, taint in other._taints.items():
            merged._taints.setdefault(key, taint)
        return merged

    def __bool__(self) -> bool:
        return bool(self._taints)

    def __iter__(self) -> Iterator[Taint]:
        return iter(self._taints.values())

    def __len__(self) -> int:
        return len(self._taints)

    def same_as(self, other: "Value") -> bool:
        return self._taints.keys() == other._taints.keys()

    def __repr__(self) -> str:
        return "Value(%s)" % ", ".join(f"{t.kind}:{t.source.label}{' bounded' if t.bounded else ''}" for t in self)

    # -- queries ---------------------------------------------------------------------------
    def of_kind(self, *kinds: str) -> List[Taint]:
        return [taint for taint in self if taint.source.kind in kinds]

    def unbounded(self, *kinds: str) -> List[Taint]:
        """Taints of these kinds (any kind when none given) with no bound on their path."""
        return [t for t in self if not t.bounded and (not kinds or t.source.kind in kinds)]

    # -- transformations -------------------------------------------------------------------
    def map(self, change) -> "Value":
        return Value(change(taint) for taint in self) if self._taints else self

    def bounded(self) -> "Value":
        return self.map(lambda t: t if t.bounded else replace(t, bounded=True))

    def formatted(self) -> "Value":
        return self.map(lambda t: t if t.formatted else replace(t, formatted=True))

    def step(self, node: cst.CSTNode, note: str) -> "Value":
        return self.map(lambda t: t.with_step(node, note))

    def without_model(self) -> "Value":
        return self.map(lambda t: t if t.model is None else replace(t, model=None))


EMPTY = Value()

"""Where the nodes of a parsed module are: libcst's own positions, recorded only where asked.

libcst's `PositionProvider` generates the module's code and records a position for every node
in it: about 85 ms for a 900-line module, paid by every file with a finding, when a finding
needs the positions of a handful of nodes. `Positions` runs the same code generation but
records positions only inside the nodes asked for (a finding's node and its children); the
rest of the module only moves the line and column along, and the pass stops after the last
node asked for. A pass costs at most what generating the code costs, a fifth of the full
provider. The answers are libcst's: the same lines and
columns for every node (tests/test_positions.py compares them on every node of the fixtures).

Ask for all the nodes a file needs with `prepare` first: each pass covers the nodes pending.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Dict, Iterable, Set

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

from ailint.types import Span


class Positions:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._computed: Dict[cst.CSTNode, CodeRange] = {}
        self._pending: Set[int] = set()

    def prepare(self, nodes: Iterable[object]) -> None:
        """Nodes whose positions will be asked for (anything that is not a node is ignored)."""
        self._pending.update(id(node) for node in nodes
                             if isinstance(node, cst.CSTNode) and node not in self._computed)

    def range(self, node: cst.CSTNode) -> CodeRange:
        """What libcst's `PositionProvider` gives for `node` (KeyError when it is not in the module)."""
        found = self._computed.get(node)
        if found is None:
            self._pending.add(id(node))
            self._pass()
            found = self._computed[node]
        return found

    def span(self, node: cst.CSTNode) -> Span:
        """Where a finding at `node` is: a call from its called name to its end."""
        anchor = node
        if isinstance(node, cst.Call):
            anchor = node.func.attr if isinstance(node.func, cst.Attribute) else node.func
        start, end = self.range(anchor).start, self.range(node).end
        return Span(start.line, start.column + 1, end.line, end.column + 1)

    def _pass(self) -> None:
        state = _RecordingState(default_indent=self.module.default_indent,
                                default_newline=self.module.default_newline,
                                provider=SimpleNamespace(_computed=self._computed))
        state.targets, self._pending = self._pending, set()
        state.unseen = set(state.targets)
        try:
            self.module._codegen(state)
        except _AllRecorded:
            pass  # the rest of the module moves nothing asked for


class _Unrecorded:
    """The context `record_syntactic_position` gives outside the nodes asked for."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> None:
        return None


_UNRECORDED = _Unrecorded()


class _AllRecorded(Exception):
    """Every target's position is recorded: the pass stops there."""


class _RecordingState(PositionProvidingCodegenState):
    """libcst's position-recording code generation, recording only inside `targets` (ids),
    and stopping after the last of them."""

    targets: Set[int]
    unseen: Set[int]  # targets not generated yet
    depth: int = 0  # > 0 while generating a target or something inside one

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.targets:
            self.unseen.discard(id(node))
        elif not self.depth:
            return
        self.depth += 1
        super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self.depth:
            super().after_codegen(node)
            self.depth -= 1
            if not self.depth and not self.unseen:
                raise _AllRecorded()

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if not self.depth:
            return _UNRECORDED
        return super().record_syntactic_position(node, start_node=start_node, end_node=end_node)

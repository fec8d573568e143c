"""A small dataflow core over libcst, for ailint's rules and for plugins.

Within a function it follows values through assignments, augmented assignments, f-strings,
`.format`, `%`, `+`, `join`, list and dict literals, comprehensions, attribute and subscript
reads, `with ... as`, loops and branches; across functions of the same module one level deep
(a helper that builds and returns a prompt; a function whose callers pass it input).

    from ailint.dataflow import Flow, INPUT, MODEL_OUTPUT

    flow = Flow.of(self.file)                       # cached per file, shared by rules
    for site in flow.index.calls:                   # every call, with its function and loops
        for arg in site.node.args:
            for taint in flow.sources_reaching(arg.value, site.node).of_kind(MODEL_OUTPUT):
                self.report(site.node, f"{taint.source.label} ({{related}}) reaches this call",
                            related=explain(taint))

A `Value` is a set of `Taint`s; each names its `Source` (kind, label, node), whether a bound
was applied on the way (`bounded`), whether it went through string building (`formatted`),
and the `steps` it took (assignments, helpers, callers) for explanations.
"""

from __future__ import annotations

from typing import List, Tuple

from ailint.dataflow_flow import Flow, SourceContext, bind_arguments, index_of
from ailint.dataflow_index import CallSite, FunctionInfo, ModuleIndex, access_key, final_name
from ailint.dataflow_llm import LLM_NEEDLES, LLMCall, LlmNeedles, PROMPT_KEYWORDS
from ailint.dataflow_model import DOWNLOAD, EMPTY, HISTORY, INPUT, MODEL_OUTPUT, PARAM, Source, Step, Taint, Value
from ailint.dataflow_sources import DEFAULT_BOUND_HELPERS

KIND_WORDS = {INPUT: "untrusted input", MODEL_OUTPUT: "model output", DOWNLOAD: "downloaded file",
              HISTORY: "conversation history"}


def explain(taint: Taint) -> List[Tuple[object, str]]:
    """SARIF related locations for a taint: its source first, then each step it took."""
    related: List[Tuple[object, str]] = [(taint.source.node, f"{KIND_WORDS.get(taint.kind, taint.kind)}: {taint.source.label}")]
    for step in taint.steps:
        related.append((step.node, f"flows into {step.note}" if step.note.startswith("`") else step.note))
    return related


def path_words(taint: Taint) -> str:
    """" through `prompt` → `answer()` → `messages`" for a message, or "" when the flow is direct."""
    names: List[str] = []
    for step in taint.steps:
        note = step.note
        for prefix in ("through ", "passed to "):
            if note.startswith(prefix):
                note = note[len(prefix):]
        if note not in names:
            names.append(note)
    return (" through " + " → ".join(names)) if names else ""


__all__ = [
    "CallSite", "DEFAULT_BOUND_HELPERS", "DOWNLOAD", "EMPTY", "Flow", "FunctionInfo", "HISTORY", "INPUT",
    "KIND_WORDS", "LLMCall", "LLM_NEEDLES", "LlmNeedles", "MODEL_OUTPUT", "ModuleIndex", "PARAM", "PROMPT_KEYWORDS", "Source",
    "SourceContext", "Step", "Taint", "Value", "access_key", "bind_arguments", "explain", "final_name",
    "index_of", "path_words",
]

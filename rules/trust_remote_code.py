from __future__ import annotations

import re

import libcst as cst

from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, final_name, is_true, keyword

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class TrustRemoteCode(FlowRule):
    """
    ## What it does
    Flags `trust_remote_code=True` on any call: transformers `from_pretrained` and `pipeline`,
    `sentence_transformers.SentenceTransformer`, `datasets.load_dataset`, vLLM `LLM(...)`, and
    the same key in a dict literal passed along (`model_kwargs={"trust_remote_code": True}`).
    A call that pins `revision=` to a full 40-character commit hash is accepted: the code that
    runs is then the code you reviewed.

    ## Why is this bad?
    With `trust_remote_code=True` the library downloads Python files from the model
    repository and imports them: whoever controls that repository (or a compromised account,
    or a later commit) runs code on your machine with your credentials. Without a pinned
    revision the code can change under you at any time.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained("org/model", trust_remote_code=True)
    ```

    ## Use instead
    Prefer an architecture transformers supports natively (no remote code). If the model needs
    its own code, review it and pin the commit you reviewed:
    ```python
    model = AutoModelForCausalLM.from_pretrained(
        "org/model", trust_remote_code=True, revision="3f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8a9b0c")
    ```

    ## Options
    None.

    ## References
    - transformers, `trust_remote_code` and pinning a revision:
      https://huggingface.co/docs/transformers/en/models#custom-models
    - Hugging Face Hub security: https://huggingface.co/docs/hub/en/security
    - OWASP Top 10 for LLM Applications, LLM03 Supply Chain:
      https://genai.owasp.org/llmrisk/llm032025-supply-chain/
    """

    code = "AIL704"
    name = "trust-remote-code"
    severity = Severity.WARNING
    security_severity = 8.1
    needles = (b"trust_remote_code",)

    VALID = [
        Valid("from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/model')\n"),
        Valid("from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/model', trust_remote_code=True,\n"
              "    revision='3f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8a9b0c')\n"),
        Valid("from transformers import pipeline\npipe = pipeline('text-generation', model='gpt2', trust_remote_code=False)\n"),
    ]
    INVALID = [
        Invalid("from transformers import AutoModelForCausalLM\n"
                "model = AutoModelForCausalLM.from_pretrained('org/model', trust_remote_code=True)\n",
                lines=[2], message="org/model"),
        Invalid("from langchain_huggingface import HuggingFaceEmbeddings\n"
                "emb = HuggingFaceEmbeddings(model_name='org/embed', model_kwargs={'trust_remote_code': True})\n",
                lines=[2]),
        Invalid("from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/model', trust_remote_code=True,\n"
                "    revision='main')\n", lines=[2], message="not a commit"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self._trusts(node):
            return
        revision = keyword(node, "revision")
        if isinstance(revision, cst.SimpleString) and _COMMIT.match(revision.evaluated_value):
            return
        repo = keyword(node, "model") or keyword(node, "pretrained_model_name_or_path") or keyword(node, "model_name") \
            or keyword(node, "path") or next((a.value for a in node.args if a.keyword is None), None)
        what = f" from `{repo.evaluated_value}`" if isinstance(repo, cst.SimpleString) else ""
        pinned = (" (revision is not a commit hash)" if revision is not None else " with no pinned revision")
        self.report(node, f"{final_name(node.func)}() with trust_remote_code=True runs the repository's Python "
                          f"code{what} on this machine{pinned}; use a natively supported model or pin a reviewed "
                          f"commit with revision=")

    @staticmethod
    def _trusts(node: cst.Call) -> bool:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "trust_remote_code" and is_true(arg.value):
                return True
            if isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) \
                            and element.key.evaluated_value == "trust_remote_code" and is_true(element.value):
                        return True
        return False

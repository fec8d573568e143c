from __future__ import annotations

from ailint.dataflow import DEFAULT_BOUND_HELPERS, INPUT, LlmNeedles, Flow
from ailint.rule import Invalid, Option, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, report_flow

_HANDLER = '''from fastapi import FastAPI
from openai import OpenAI
from pydantic import BaseModel, Field

app = FastAPI()
client = OpenAI(timeout=20)

class Ask(BaseModel):
    question: str
'''


class UnboundedInputInPrompt(FlowRule):
    """
    ## What it does
    Flags an LLM call whose prompt (`messages`, `input`, `prompt`, `system`, `instructions`,
    `contents`, or a positional prompt) carries untrusted input with no bound on the way:
    web request bodies and parameters (FastAPI/Flask/Django/Starlette routes,
    `request.json/form/args/get_json()/POST/body`), `input()`, `sys.argv` and `parse_args()`,
    files whose path is not a constant, HTTP responses, websocket messages, tool inputs
    (`@tool` parameters, `tool_call.function.arguments`) and retrieved documents
    (`similarity_search`, `retriever.invoke`, `doc.page_content`).

    The value is followed through assignments, f-strings, `.format`, `%`, `+`, `join`, list and
    dict literals (`messages=[{"role": "user", "content": text}]`), attribute and subscript
    reads, and across functions of the same module one level deep (a helper that builds the
    prompt; a function whose callers pass it a request body). The finding names the source and
    its line and lists each step as a related location.

    A bound on the path clears it: a slice with an upper bound (`text[:4000]`, `history[-20:]`),
    `textwrap.shorten`, token trimming (`enc.decode(enc.encode(text)[:n])`), a helper whose name
    contains one of the `bound-helpers` words (`truncate`, `trim`, ...), `min()` clamps, a
    `len()` check that rejects or truncates (`if len(text) > N: raise`/`return`/`text = text[:N]`),
    and pydantic `max_length` on the model field that is read (`Field(max_length=...)`,
    `constr(max_length=...)`, `Annotated[str, StringConstraints(max_length=...)]`, FastAPI
    `Query/Body/Form(max_length=...)`, or a field validator that checks `len()`).

    ## Why is this bad?
    Whatever a client sends is paid for in tokens and latency, and a long enough input
    overflows the model's context window, so the request fails with a 400 instead of an
    answer. An unbounded input is also the largest possible prompt-injection surface. Capping
    what goes into a prompt is the first line of cost and abuse control.

    ## Known problems
    A pydantic model imported from another module is not read, so a `max_length` declared
    there is not seen: the body counts as unbounded. A numeric bound chosen by the client
    (`text[:req.max_chars]` with an `int` field) is trusted, since numbers are not followed.

    ## Example
    ```python
    @app.post("/ask")
    def ask(body: Ask):
        prompt = f"Answer briefly: {body.question}"
        return client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    ```

    ## Use instead
    ```python
    class Ask(BaseModel):
        question: str = Field(max_length=4000)
    ```
    or `prompt = f"Answer briefly: {body.question[:4000]}"`, or reject long input with
    `if len(body.question) > 4000: raise HTTPException(413)`.

    ## Options
    - `bound-helpers` (list of strings, default `["truncate", "trim", "clip", "shorten",
      "limit_tokens", "cap_length", "fit_to_context", "fit_tokens", "clamp", "take_last",
      "window", "summarize", "summarise"]`): a call whose name contains one of these words
      (case-insensitive) bounds its result.
    - `retrieved-documents` (bool, default `true`): treat retrieved documents as untrusted
      input. Set it to `false` when chunk size and top-k are bounded where the index is built.

    ## References
    - OWASP Top 10 for LLM Applications, LLM10 Unbounded Consumption and LLM01 Prompt Injection:
      https://genai.owasp.org/llm-top-10/
    - OpenAI, managing tokens and context length: https://platform.openai.com/docs/guides/text
    - pydantic string constraints: https://docs.pydantic.dev/latest/concepts/fields/#string-constraints
    """

    code = "AIL602"
    name = "unbounded-input-in-prompt"
    severity = Severity.WARNING
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only
    options = {
        "bound-helpers": Option(list(DEFAULT_BOUND_HELPERS), "words in the names of helpers that bound their result"),
        "retrieved-documents": Option(True, "treat retrieved documents as untrusted input"),
    }

    VALID = [
        Valid(_HANDLER + "\n@app.post('/ask')\ndef ask(body: Ask):\n    prompt = f'Answer: {body.question[:4000]}'\n"
              "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': prompt}])\n"),
        Valid(_HANDLER.replace("question: str", "question: str = Field(max_length=4000)")
              + "\n@app.post('/ask')\ndef ask(body: Ask):\n"
              "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': body.question}])\n"),
        Valid(_HANDLER + "\n@app.post('/ask')\ndef ask(body: Ask):\n    if len(body.question) > 4000:\n"
              "        raise ValueError('too long')\n"
              "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': body.question}])\n"),
        Valid(_HANDLER + "import textwrap\n\n@app.post('/ask')\ndef ask(body: Ask):\n"
              "    text = textwrap.shorten(body.question, width=4000)\n"
              "    return client.responses.create(model='m', input=text)\n"),
        Valid(_HANDLER + "\ndef fit_tokens(text):\n    return text\n\n@app.post('/ask')\ndef ask(body: Ask):\n"
              "    return client.responses.create(model='m', input=fit_tokens(body.question))\n"),
        Valid("from openai import OpenAI\nclient = OpenAI()\nSYSTEM = open('prompts/system.txt').read()\n\n"
              "def ask(q):\n    return client.responses.create(model='m', instructions=SYSTEM, input=q[:2000])\n"),
    ]
    INVALID = [
        Invalid(_HANDLER + "\n@app.post('/ask')\ndef ask(body: Ask):\n    prompt = f'Answer: {body.question}'\n"
                "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': prompt}])\n",
                lines=[14], message="request body (parameter `body`) (example.py:12) reaches the messages of "
                "openai.chat.completions.create through `prompt` without a bound"),
        Invalid("from flask import Flask, request\nimport openai\napp = Flask(__name__)\n\n@app.route('/s', methods=['POST'])\n"
                "def summarize():\n    text = request.get_json()['text']\n"
                "    return openai.chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n",
                lines=[8], message="without a bound"),
        Invalid("from openai import OpenAI\nclient = OpenAI()\n\ndef build_prompt(question):\n"
                "    return 'Q: ' + question\n\nwhile True:\n    q = input('> ')\n"
                "    print(client.responses.create(model='m', input=build_prompt(q)))\n",
                lines=[9], message="`input()`"),
        Invalid(_HANDLER + "\ndef answer(question):\n"
                "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': question}])\n"
                "\n@app.post('/ask')\ndef ask(body: Ask):\n    return answer(body.question)\n",
                lines=[12], message="through `answer()`"),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file, bound_helpers=tuple(self.settings["bound-helpers"]))
        with_documents = self.settings["retrieved-documents"]
        for call in flow.llm_calls:
            if not call.generative:
                continue
            for argument, expr in call.prompt_arguments():
                value = flow.sources_reaching(expr, call.node)
                taints = [t for t in value.unbounded(INPUT) if with_documents or t.source.origin != "retrieval"]
                if taints:
                    report_flow(self, call.node, taints[0], f"the {argument} of {call.label}",
                                "cap its length (slice, token budget, or max_length on the field) before the call",
                                tail=" without a bound")
                    break

from __future__ import annotations

import libcst as cst

from ailint.dataflow import LlmNeedles, MODEL_OUTPUT, Flow
from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, builtin_call, first_reaching, positional, report_flow

_CLIENT = "from openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"


class LlmOutputToCodeExecution(FlowRule):
    """
    ## What it does
    Flags `eval`, `exec` and `compile` called on model output: the result of an LLM call
    (`resp.choices[0].message.content`, `resp.content[0].text`, `resp.output_text`, LangChain
    `.invoke(...).content`), or the function-call arguments the model wrote
    (`tool_call.function.arguments`), followed through assignments, string building, parsing
    (`json.loads`) and same-module helpers one level deep.

    ## Why is this bad?
    Model output is attacker-influenced text: anything in the prompt, a retrieved document or
    a tool result can steer it (prompt injection). Evaluating it runs arbitrary Python with the
    service's permissions: reading secrets, the file system, the network.

    ## Example
    ```python
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    result = eval(reply.choices[0].message.content)
    ```

    ## Use instead
    Parse a constrained format instead of running code: `ast.literal_eval` for Python literals,
    `json.loads` with a schema, structured outputs, or a tool call whose arguments you validate.
    If the product truly runs model-written code, run it in a sandbox (a separate container or
    a service such as a code-interpreter API) with no secrets and no network.

    ## Options
    None.

    ## References
    - OWASP Top 10 for LLM Applications, LLM05 Improper Output Handling:
      https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/
    - CWE-95, eval injection: https://cwe.mitre.org/data/definitions/95.html
    - Python `ast.literal_eval`: https://docs.python.org/3/library/ast.html#ast.literal_eval
    """

    code = "AIL701"
    name = "llm-output-to-code-execution"
    severity = Severity.ERROR
    security_severity = 9.3
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only

    VALID = [
        Valid(_CLIENT + "import ast\n\ndef solve(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    return ast.literal_eval(r.choices[0].message.content)\n"),
        Valid(_CLIENT + "def run(code):\n    return eval(code)\n\nrun('1 + 1')\n"),
        Valid(_CLIENT + "import json\n\ndef plan(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    data = json.loads(r.choices[0].message.content)\n    return data['steps']\n"),
        # a rendered prompt is not model output (AIL602 is about what goes into prompts)
        Valid("from langchain_core.prompts import ChatPromptTemplate\n\ndef render(q):\n"
              "    value = ChatPromptTemplate([('user', '{q}')]).invoke({'q': q})\n    return eval(value.to_string())\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + "def solve(q):\n"
                "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
                "    code = r.choices[0].message.content\n    exec(code)\n",
                lines=[7], message="output of openai.chat.completions.create (example.py:5) reaches exec()"),
        Invalid(_CLIENT + "def run(code):\n    return eval(code)\n\ndef solve(q):\n"
                "    r = client.responses.create(model='m', input=q)\n    return run(r.output_text)\n",
                lines=[5], message="→ `run()`"),
        Invalid(_CLIENT + "import json\n\ndef dispatch(tool_call):\n"
                "    args = json.loads(tool_call.function.arguments)\n    return eval(args['expression'])\n",
                lines=[8], message="function-call arguments"),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        imports = self.file.imports
        for site in flow.index.calls:
            name = builtin_call(site.node, imports, ("eval", "exec", "compile"))
            if name is None:
                continue
            source = positional(site.node, 0, "source")
            if source is None or (isinstance(source, cst.Call) and builtin_call(source, imports, ("compile",))):
                continue  # exec(compile(output)): reported once, at compile()
            taint = first_reaching(flow, site.node, source, (MODEL_OUTPUT,))
            if taint is not None:
                report_flow(self, site.node, taint, f"{name}()",
                            "parse a constrained format (json, ast.literal_eval, a validated tool call) or run it in a sandbox")

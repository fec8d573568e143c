"""Where the secrets of one checked file are: the shared detection pass of the AIL5 rules.

`find_hits(document)` runs once per file (the three AIL5 file rules share its result) and
returns every secret with its exact position in the raw file:

* ``provider`` and ``private-key`` hits: `secrets.scan_text` over the raw text, so keys are
  found in every kind of file (Python literals and f-strings, YAML, JSON, notebook cells and
  outputs, .env, INI, Dockerfiles, plain text) at the line and column that holds them;
* ``credential`` hits: `secrets.contextual_secret` on ``name = value`` pairs, where the pairs
  come from the Python syntax tree (assignments, keyword arguments, dict items, defaults of
  `os.getenv`/`dict.get`, parameter defaults, comparisons), from config entries (with
  docker-compose `NAME=value` items and Kubernetes `name:`/`value:` pairs), from notebook
  cells and outputs, and from `name = value` lines of plain text.

A value already found as a provider key is never reported again as a credential, so each
secret is one finding. `redactions` gives the column ranges of every secret on a line, so the
code frame of any finding on that line masks them all.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from ailint.globs import matches_any
from ailint.parsing import ConfigDocument, notebook_python
from ailint.rule import Option
from ailint.types import FileKind
from ailint_rules.support import secrets

PROVIDER, PRIVATE_KEY, CREDENTIAL = "provider", "private-key", "credential"

# Every file kind a secret can hide in.
SECRET_KINDS = frozenset({
    FileKind.PYTHON, FileKind.NOTEBOOK, FileKind.YAML, FileKind.TOML, FileKind.JSON, FileKind.ENV,
    FileKind.INI, FileKind.DOCKERFILE, FileKind.TEXT,
})

FIXTURE_PATHS = Option(
    [],
    "Globs of files holding deliberate fake secrets (test fixtures); nothing in them is reported. "
    "Example: [\"tests/fixtures/**\"]. `per-file-ignores` with \"AIL5\" does the same for all AIL5 rules.",
    type=list,
)


def in_fixture(settings: dict, path: str) -> bool:
    globs = settings.get("fixture-paths") or ()
    return bool(globs) and matches_any(globs, path)


@dataclass(frozen=True)
class Hit:
    kind: str  # PROVIDER, PRIVATE_KEY or CREDENTIAL
    label: str  # "OpenAI API key", "password", ...
    line: int  # 1-based, where the secret starts
    column: int  # 1-based
    end_column: int  # exclusive, on `line` (the line's end for a secret running on)
    value: str  # never print it: use secrets.mask / secrets.fingerprint
    name: str = ""  # the variable, argument or setting holding a credential

    @property
    def masked(self) -> str:
        return secrets.mask(self.value)

    @property
    def fingerprint(self) -> str:
        return secrets.fingerprint(self.value)


_LABELS = {
    "aws-secret-access-key": "AWS secret access key",
    "github-token": "GitHub token",
    "slack-webhook-url": "Slack webhook URL",
    "private-key": "private key",
    "generic-api-key": "credential",
    "generic-password": "password",
}


def _label(format_id: str, provider: str) -> str:
    if format_id in _LABELS:
        return _LABELS[format_id]
    for fmt in secrets.SECRET_FORMATS:
        if fmt.id == format_id:
            return fmt.description.split(" (")[0]
    return provider + " API key"


# -- the per-file pass ----------------------------------------------------------------------

_LAST: List[Any] = [None, []]  # (document, hits) of the last file: the rules share one pass

_NAME_HINT = secrets.NAME_HINT  # every name `contextual_secret` accepts holds one of its words


def find_hits(document: ConfigDocument) -> List[Hit]:
    if _LAST[0] is document:
        return _LAST[1]
    hits = _find_hits(document)
    _LAST[0], _LAST[1] = document, hits
    return hits


def _find_hits(document: ConfigDocument) -> List[Hit]:
    text, lines = document.text, document.lines
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    hits: List[Hit] = []
    structured = secrets.scan_text(text)
    for match in structured:
        line, column = _position(starts, match.start)
        end_line, end_column = _position(starts, match.end)
        if end_line != line:
            end_column = len(lines[line - 1]) + 1 if line <= len(lines) else column
        kind = PRIVATE_KEY if match.format_id == "private-key" else PROVIDER
        hits.append(Hit(kind, _label(match.format_id, match.provider), line, column, end_column, match.value))
    taken = [match.value for match in structured]
    for match in secrets.url_passwords(text):
        if any(match.value in other or other in match.value for other in taken):
            continue  # a provider key in a URL (https://user:ghp_...@github.com): AIL501's
        line, column = _position(starts, match.start)
        taken.append(match.value)
        hits.append(Hit(CREDENTIAL, "password", line, column, column + len(match.value), match.value,
                        f"{match.provider}:// URL"))
    lowered = text.casefold()
    if any(word in lowered for word in secrets.NAME_WORDS):  # `_NAME_HINT`, ten times faster
        seen = set()
        for name, value, line, column, context in _pairs(document):
            if not secrets.is_credential_name(name):
                continue  # what contextual_secret checks first; the context is not built
            match = secrets.contextual_secret(name, value, context())
            if match is None or any(match.value in other or other in match.value for other in taken):
                continue  # no credential, or a provider key reported by AIL501
            if secrets.has_provider_shape(match.value):
                continue  # a provider-shaped look-alike, e.g. a GitHub token with a wrong checksum
            line, column, end_column = locate(lines, match.value, line, column)
            if (line, column) in seen:
                continue
            seen.add((line, column))
            hits.append(Hit(CREDENTIAL, _label(match.format_id, match.provider), line, column, end_column,
                            match.value, name))
    hits.sort(key=lambda hit: (hit.line, hit.column))
    return hits


def redactions(hits: Sequence[Hit], line: int) -> List[Tuple[int, int]]:
    """Column ranges of every secret starting on `line`: a code frame masks them all."""
    return [(hit.column, hit.end_column) for hit in hits if hit.line == line]


def _position(starts: List[int], offset: int) -> Tuple[int, int]:
    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1


def locate(lines: List[str], value: str, line: int, column: int) -> Tuple[int, int, int]:
    """(line, column, end column) of `value` in the raw file, searching from (line, column)
    for a few lines (YAML block scalars, TOML arrays, multi-line strings). Falls back to
    masking from `column` to the end of `line` when the raw text spells it differently."""
    for number in range(max(line, 1), min(line + 50, len(lines)) + 1):
        text = lines[number - 1]
        index = text.find(value, column - 1 if number == line else 0)
        if index < 0 and number == line:
            index = text.find(value)
        if index >= 0:
            return number, index + 1, index + 1 + len(value)
    width = len(lines[line - 1]) + 1 if 0 < line <= len(lines) else column + 1
    return line, column, max(width, column + 1)


# -- name = value pairs -------------------------------------------------------------------------

Pair = Tuple[str, str, int, int, Callable[[], str]]  # name, value, line, column, context (built on demand)


def _pairs(document: ConfigDocument) -> Iterator[Pair]:
    kind, lines = document.kind, document.lines
    if kind == FileKind.PYTHON:
        yield from _python_or_text_pairs(document.text, lines, lambda line: (line, 1))
    elif kind == FileKind.NOTEBOOK:
        yield from _notebook_pairs(document)
    elif kind == FileKind.TEXT:
        yield from _text_pairs(lines, lambda line: (line, 1), lines)
        if document.path.rsplit("/", 1)[-1].lower() in (".netrc", "_netrc"):
            yield from _netrc_pairs(lines)
    else:
        yield from _entry_pairs(document)


def _context(lines: List[str], line: int, extra: str = "") -> Callable[[], str]:
    """The text around a pair (3 lines either side), built only if its name is a credential's:
    on a minified one-line file, building it for every pair was quadratic."""
    return lambda: extra + " " + " ".join(lines[max(line - 4, 0):line + 3])


def _python_or_text_pairs(source: str, lines: List[str], where) -> Iterator[Pair]:
    """Pairs of Python source; `where(line)` maps a source line to a raw (line, column)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        yield from _text_pairs(source.splitlines(), where, lines)
        return
    for name, node, context in _python_nodes(tree, _hint_lines(source)):
        value = _literal(node)
        if value is None:
            continue
        line, column = where(node.lineno)
        yield name, value, line, column, _context(lines, line, context)


# -- Python -----------------------------------------------------------------------------------

_DEFAULT_READERS = ("get", "getenv", "setdefault", "pop", "environ_get")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _target_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] == "get" and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value  # request.headers.get("X-API-Key") == "..."
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # os.environ["OPENAI_API_KEY"], settings["api_key"]
        key = node.slice  # Python >= 3.9: the subscript expression itself
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return ""


def _literal(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bytes):
            return node.value.decode("utf-8", "replace")
        return None
    if isinstance(node, ast.JoinedStr) and all(isinstance(part, ast.Constant) for part in node.values):
        return "".join(str(part.value) for part in node.values)  # an f-string with no fields
    return None


def _default_keyword(call: ast.Call) -> Optional[ast.AST]:
    """The `default=` argument of a call, or None."""
    return next((keyword.value for keyword in call.keywords if keyword.arg == "default"), None)


def _env_read_name(node: ast.AST) -> str:
    """The variable name read by `os.getenv("X", ...)`, `os.environ.get("X")`, `cfg.get("X")`."""
    if (isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in _DEFAULT_READERS
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return ""


# Nodes that bind no string to a name and hold nothing that does: not walked into.
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.alias, ast.Pass, ast.Break,
                     ast.Continue, ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom}
                    | {cls for cls in vars(ast).values() if isinstance(cls, type)
                       and issubclass(cls, (ast.operator, ast.unaryop, ast.cmpop, ast.boolop))})


def _hint_lines(source: str) -> Optional[List[int]]:
    """The numbers of the lines holding a word of a credential name (`_NAME_HINT`), in order;
    None when they cannot be numbered as `ast` numbers them (a lone carriage return) or the
    prefilters are off (`AILINT_NO_PREFILTER=1`)."""
    if not _PREFILTER or source.count("\r") != source.count("\r\n"):
        return None
    low = source.casefold()  # one folded copy and a find per word: ten times faster than the regex
    offsets = []
    for word in secrets.NAME_WORDS:
        found = low.find(word)
        while found != -1:
            offsets.append(found)
            found = low.find(word, found + 1)
    offsets.sort()
    lines: List[int] = []
    line, last = 1, 0
    for offset in offsets:
        line += low.count("\n", last, offset)
        last = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


_PREFILTER = os.environ.get("AILINT_NO_PREFILTER", "") in ("", "0")


def _holds_hint(statement: ast.stmt, hint_lines: List[int]) -> bool:
    """Whether a statement's lines (its decorators' included) hold a hint line: a pair's name
    is spelled inside the statement it is read from, so a statement without one yields none."""
    start = statement.lineno
    for decorator in getattr(statement, "decorator_list", ()):
        start = min(start, decorator.lineno)
    index = bisect.bisect_left(hint_lines, start)
    return index < len(hint_lines) and hint_lines[index] <= (statement.end_lineno or statement.lineno)


def _walk(tree: ast.AST, hint_lines: Optional[List[int]] = None) -> Iterator[ast.AST]:
    """`ast.walk` (breadth first, children in field order) without descending into `_LEAVES`,
    which are most of a tree's nodes: the same nodes of interest in the same order, faster.
    With `hint_lines`, statements holding none of those lines are skipped whole."""
    queue = deque([tree])
    pop, push, leaves = queue.popleft, queue.append, _LEAVES
    while queue:
        node = pop()
        if hint_lines is not None and isinstance(node, ast.stmt) and not _holds_hint(node, hint_lines):
            continue
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in leaves:
                        push(item)
            elif isinstance(value, ast.AST) and type(value) not in leaves:
                push(value)


def _python_nodes(tree: ast.AST, hint_lines: Optional[List[int]] = None) -> Iterator[Tuple[str, ast.AST, str]]:
    """(name, value node, context) for every place a string is bound to a name (with
    `hint_lines`, only in statements whose lines hold a word of a credential name)."""
    for node in _walk(tree, hint_lines):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if isinstance(value, ast.Call):  # Field(default="..."), Field("..."), SecretStr("...")
                default = _default_keyword(value)
                if default is None and value.args and _dotted(value.func).endswith(("SecretStr", "SecretBytes", "Field")):
                    default = value.args[0]
                value = default if default is not None else value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "encode":
                value = value.func.value  # JWT_SECRET = "...".encode()
            # api_key = key or "literal": every literal operand may be what the name holds;
            # API_KEYS = ["...", "..."]: every item
            if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
                values = value.values
            elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
                values = value.elts
            else:
                values = [value]
            for target in targets:
                name = _target_name(target)
                for one in values:
                    if name and one is not None:
                        yield name, one, ""
        elif isinstance(node, ast.Call):
            func = _dotted(node.func)
            for keyword in node.keywords:
                if keyword.arg:
                    yield keyword.arg, keyword.value, func
            default = _default_keyword(node)
            if default is not None and func.endswith("add_argument") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                yield node.args[0].value.lstrip("-"), default, func  # add_argument("--api-key", default="...")
            name = _env_read_name(node)
            if name and len(node.args) >= 2:
                yield name, node.args[1], func
            elif name and default is not None:  # os.getenv("X", default="...")
                yield name, default, func
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, value, ""
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            name = _env_read_name(node.values[0])  # os.getenv("X") or "fallback"
            if name:
                for value in node.values[1:]:
                    yield name, value, ""
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            left, right = node.left, node.comparators[0]
            for named, value in ((left, right), (right, left)):
                name = _target_name(named)
                if name:
                    yield name, value, ""
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            positional = list(getattr(arguments, "posonlyargs", [])) + list(arguments.args)
            for arg, default in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults):
                yield arg.arg, default, ""
            for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
                if default is not None:
                    yield arg.arg, default, ""


# -- notebooks --------------------------------------------------------------------------------

_MAGIC_LINE = re.compile(r"^#\s*[%!]")


def _notebook_pairs(document: ConfigDocument) -> Iterator[Pair]:
    """Code cells through the Python syntax tree (magics like `%env X=...` as text), and
    the text of outputs. Positions are those of the raw .ipynb file."""
    lines = document.lines
    notebook = notebook_python(document.data, document.entries)
    line_map = notebook.line_map

    def where(line: int) -> Tuple[int, int]:
        return line_map[min(max(line - 1, 0), len(line_map) - 1)] if line_map else (1, 1)

    if line_map:
        yield from _python_or_text_pairs(notebook.source, lines, where)
        source_lines = notebook.source.splitlines()
        magics = [(number, text) for number, text in enumerate(source_lines, 1) if _MAGIC_LINE.match(text)]
        for number, text in magics:
            yield from _text_pairs([text], lambda _line, n=number: where(n), lines)
    for entry in document.entries:
        if "outputs" in entry.key and isinstance(entry.value, str):
            yield from _text_pairs(entry.value.splitlines(), lambda _line, e=entry: (e.span.line, e.span.column), lines)


# -- config entries ---------------------------------------------------------------------------

_ASSIGNMENT_ITEM = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")


def _entry_pairs(document: ConfigDocument) -> Iterator[Pair]:
    lines = document.lines
    by_key = {entry.key: entry.value for entry in document.entries}
    for entry in document.entries:
        value = entry.value
        if not isinstance(value, str) or not value.strip():
            continue
        if "encryptedData" in entry.key:  # a Bitnami SealedSecret: encrypted for the cluster, meant to be committed
            continue
        line, column = entry.span.line, entry.span.column
        name = entry.name
        sibling = by_key.get(entry.key[:-1] + ("name",)) if name == "value" else None
        if isinstance(sibling, str):  # Kubernetes env: [{name: OPENAI_API_KEY, value: ...}]
            name = sibling
        context = " ".join(str(part) for part in entry.key)
        if "\n" in value:  # a script or a block of settings inside one value
            yield from _text_pairs(value.splitlines(), lambda offset: (line + offset - 1, 1), lines)
            continue
        if " " in value and _NAME_HINT.search(value):  # a one-line command: run: curl -H "Authorization: Bearer ..."
            yield from _text_pairs([value], lambda offset: (line, column), lines)
        item = _ASSIGNMENT_ITEM.match(value)
        if item and document.kind in (FileKind.YAML, FileKind.JSON, FileKind.TOML):  # compose: - KEY=value
            name, value = item.group(1), item.group(2).strip("\"'")
        yield name, value, line, column, _context(lines, line, context)


# -- plain text -------------------------------------------------------------------------------

_NETRC_PAIR = re.compile(r"(?:^|\s)(?P<name>password|passwd)\s+(?P<value>\S+)")


def _netrc_pairs(lines: List[str]) -> Iterator[Pair]:
    """`machine api.example.com login bot password <value>`: .netrc separates with spaces."""
    for number, text in enumerate(lines, 1):
        for match in _NETRC_PAIR.finditer(text):
            yield match.group("name"), match.group("value"), number, 1, _context(lines, number)


_TEXT_PAIR = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,80})["']?\s*(?::=|=>|=|:)\s*(?P<quote>["'`]?)"""
    r"""(?P<value>(?:(?:Bearer|Basic|Token)\s+)?[^\s"'`,;]+)"""
)
# An unquoted value holding brackets is code, not a secret: `token = localStorage.getItem(`
# in JavaScript, `secret := viper.GetString(` in Go, `configService.get<string>(` in TypeScript.
_CODE_CHARS = frozenset("()[]{}<>")


def _text_pairs(text_lines: List[str], where, raw_lines: List[str]) -> Iterator[Pair]:
    """`name = value`, `name: value`, `export NAME=value`, `Authorization: Bearer x` in lines of
    text; `where(n)` maps line n of `text_lines` to a raw (line, column)."""
    for number, text in enumerate(text_lines, 1):
        if not _NAME_HINT.search(text):
            continue
        for match in _TEXT_PAIR.finditer(text):
            value = match.group("value")
            if not match.group("quote") and not _CODE_CHARS.isdisjoint(value):
                continue
            line, column = where(number)
            yield match.group("name"), value, line, column, _context(raw_lines, line)

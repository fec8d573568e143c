"""Parsers for non-Python files: every scalar value comes with its key path and position.

Config rules receive a `ConfigDocument`: the raw text and lines, the parsed data where the
format has one, and `entries`, one `Entry` per scalar (a key's value, a list item, a .env
assignment, a Dockerfile ENV/ARG) with a 1-based line and column in the raw file.
Notebook code cells are also turned into one Python source with a line map back to the raw
file, so Python rules run on notebooks too.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ailint.types import FileKind, Span

Key = Tuple[Any, ...]


class ParseError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Entry:
    """One scalar of a config file. `key` is the path of keys and list indexes leading to it;
    `name` is the nearest string key (the variable or setting name), or "" for none."""

    key: Key
    value: Any
    span: Span

    @property
    def name(self) -> str:
        for part in reversed(self.key):
            if isinstance(part, str):
                return part
        return ""


@dataclass
class ConfigDocument:
    path: str
    kind: FileKind
    text: str
    lines: List[str]
    entries: List[Entry] = field(default_factory=list)
    data: Any = None


# -- YAML ----------------------------------------------------------------------------------

def parse_yaml(text: str) -> Tuple[Any, List[Entry]]:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries: List[Entry] = []
    documents = []
    try:
        loader = loader_class(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    documents.append(node)
                    _walk_yaml(node, entries)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ParseError(f"invalid YAML: {exc.problem or exc.context}", line, column) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ParseError("YAML nested too deeply to read") from None
    return documents, entries


def _walk_yaml(root, entries: List[Entry]) -> None:
    """Walk the node graph once; aliases point at nodes already seen, so alias bombs and
    recursive aliases cost nothing."""
    import yaml

    seen = set()
    stack = [(root, ())]
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            mark = node.start_mark
            column = mark.column + 1 + (1 if node.style in ("'", '"') else 0)
            entries.append(Entry(key, node.value, Span(mark.line + 1, column)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in reversed(list(enumerate(node.value))):
                stack.append((item, key + (index,)))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, key + (str(name),)))
    entries.sort(key=lambda e: (e.span.line, e.span.column))


# -- JSON ----------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<punct>[{}\[\]:,])|(?P<literal>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null))'
)


def parse_json(text: str) -> Tuple[Any, List[Entry]]:
    """Parse JSON with positions. Nesting is handled with an explicit stack (no recursion)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply to read") from None
    return data, list(_json_entries(text))


def _json_entries(text: str) -> Iterator[Entry]:
    line_starts = _line_starts(text)
    # stack of [container kind, current key or index, expecting_key]
    stack: List[list] = []
    position = 0
    pending_key: Optional[str] = None
    length = len(text)
    while position < length:
        match = _JSON_TOKEN.match(text, position)
        if not match:
            break
        position = match.end()
        if match.group("punct"):
            char = match.group("punct")
            if char == "{":
                stack.append(["object", pending_key if stack else None, True])
            elif char == "[":
                stack.append(["array", -1, False])
                _advance_array(stack)
            elif char in "}]":
                stack.pop() if stack else None
            elif char == ",":
                if stack and stack[-1][0] == "object":
                    stack[-1][2] = True
                elif stack:
                    _advance_array(stack)
            continue
        token = match.group("string") or match.group("literal")
        start = match.start("string") if match.group("string") else match.start("literal")
        if stack and stack[-1][0] == "object" and stack[-1][2]:
            pending_key = json.loads(token) if match.group("string") else token
            stack[-1][2] = False
            stack[-1][1] = pending_key
            continue
        value = json.loads(token)
        line, column = _position(line_starts, start)
        yield Entry(_json_key(stack), value, Span(line, column + (1 if match.group("string") else 0)))


def _advance_array(stack: List[list]) -> None:
    stack[-1][1] += 1


def _json_key(stack: List[list]) -> Key:
    return tuple(frame[1] for frame in stack)


def _line_starts(text: str) -> List[int]:
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))
    return starts


def _position(line_starts: List[int], offset: int) -> Tuple[int, int]:
    import bisect

    index = bisect.bisect_right(line_starts, offset) - 1
    return index + 1, offset - line_starts[index] + 1


# -- TOML ----------------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_ASSIGN = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=\s*(.*)$")


def _toml_key_parts(raw: str) -> Tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", raw)
    return tuple(double or single or bare for double, single, bare in parts)


def parse_toml(text: str) -> Tuple[Any, List[Entry]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        raise ParseError(f"invalid TOML: {exc}", line, column) from None
    except RecursionError:
        raise ParseError("TOML nested too deeply to read") from None
    # Where each key is assigned: tomllib gives no positions, so scan the lines.
    positions: Dict[Key, Tuple[int, int]] = {}
    table: Key = ()
    array_counts: Dict[Key, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        header = _TOML_HEADER.match(line)
        if header and not _TOML_ASSIGN.match(line):
            parts = _toml_key_parts(header.group(1))
            if line.lstrip().startswith("[["):  # an array of tables: number its elements
                index = array_counts.get(parts, -1) + 1
                array_counts[parts] = index
                table = parts + (index,)
            else:
                table = parts
            positions.setdefault(table, (number, 1))
            continue
        assign = _TOML_ASSIGN.match(line)
        if assign:
            key = table + _toml_key_parts(assign.group(1))
            value_column = assign.start(2) + 1 + (1 if assign.group(2)[:1] in "\"'" else 0)
            positions.setdefault(key, (number, value_column))
    entries = []
    for key, value in _leaves(data, ()):
        line, column = 1, 1
        for cut in range(len(key), 0, -1):
            if key[:cut] in positions:
                line, column = positions[key[:cut]]
                break
        entries.append(Entry(key, value, Span(line, column)))
    entries.sort(key=lambda e: (e.span.line, e.span.column))
    return data, entries


def _leaves(data: Any, key: Key) -> Iterator[Tuple[Key, Any]]:
    stack = [(data, key)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((value, path + (str(name),)) for name, value in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((value, path + (index,)) for index, value in reversed(list(enumerate(node))))
        else:
            yield path, node


# -- .env, INI, Dockerfile -------------------------------------------------------------------

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<value>.*?)\s*$")
_INI_LINE = re.compile(r"^\s*(?P<key>[^=:#;\[\s][^=:]*?)\s*[=:]\s*(?P<value>.*?)\s*$")
_DOCKER_LINE = re.compile(r"^\s*(?P<instr>ENV|ARG)\s+(?P<rest>.+?)\s*$", re.IGNORECASE)


def _unquote(value: str, offset: int) -> Tuple[str, int]:
    """Strip matching quotes or a trailing ` # comment`; return (value, column offset)."""
    if len(value) >= 2 and value[0] in "\"'" and value.rfind(value[0]) > 0:
        end = value.rfind(value[0])
        return value[1:end], offset + 1
    comment = re.search(r"\s+#", value)
    if comment:
        value = value[: comment.start()]
    return value, offset


def parse_env(text: str) -> Tuple[Any, List[Entry]]:
    entries, data = [], {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _ENV_LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        value, column = _unquote(match.group("value"), match.start("value") + 1)
        data[match.group("key")] = value
        entries.append(Entry((match.group("key"),), value, Span(number, column)))
    return data, entries


def parse_ini(text: str) -> Tuple[Any, List[Entry]]:
    entries, data, section = [], {}, ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        match = _INI_LINE.match(line)
        if match:
            value, column = _unquote(match.group("value"), match.start("value") + 1)
            data.setdefault(section, {})[match.group("key")] = value
            entries.append(Entry((section, match.group("key")), value, Span(number, column)))
    return data, entries


def parse_dockerfile(text: str) -> Tuple[Any, List[Entry]]:
    entries = []
    continued = ""  # the ENV/ARG instruction a line continues (the one before ended with a backslash)
    for number, line in enumerate(text.splitlines(), 1):
        match = _DOCKER_LINE.match(line)
        if match:
            instruction, rest, base = match.group("instr").upper(), match.group("rest"), match.start("rest")
        elif continued and not line.lstrip().startswith("#"):
            instruction, rest, base = continued, line, 0  # ENV A=1 \ <newline>    OPENAI_API_KEY=...
        else:
            continued = continued if line.lstrip().startswith("#") else ""
            continue
        continued = instruction if line.rstrip().endswith("\\") else ""
        pairs = list(re.finditer(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\"[^\"]*\"|'[^']*'|[^\s\\]*)", rest))
        if pairs:
            for pair in pairs:
                value, column = _unquote(pair.group("value"), base + pair.start("value") + 1)
                entries.append(Entry((instruction, pair.group("key")), value, Span(number, column)))
        elif match:  # legacy form: ENV KEY value
            legacy = re.match(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<value>.+)", rest)
            if legacy:
                value, column = _unquote(legacy.group("value"), base + legacy.start("value") + 1)
                entries.append(Entry((instruction, legacy.group("key")), value, Span(number, column)))
    return None, entries


# -- Python: what libcst must not be handed ---------------------------------------------------

# CPython refuses more than 200 nested brackets (its tokenizer's MAXLEVEL), so no valid Python
# file nests deeper.
PYTHON_MAX_BRACKETS = 200
# libcst builds about 4-5 KB of nodes per syntax element (a comma, a bracket, a line): a
# generated 5 MB list of 800,000 numbers took 80 s and 3 GB. The largest module of the
# benchmark corpus (langchain-core's runnables/base.py, 239 KB) has 12,837.
PYTHON_MAX_ELEMENTS = 50_000
_LONG_LINE = 4_000


def python_nesting_problem(source: Union[bytes, str]) -> Optional[str]:
    """Why this Python source (bytes as read, or text) must not be parsed with libcst, or None.

    libcst's native parser recurses on the machine stack: about 2,000 nested brackets, or
    5,000 to 10,000 chained `not`/`-`/`lambda:` on one line, overflow it and kill the whole
    process (SIGSEGV), which no `except` can catch. It also builds 4-5 KB of nodes per syntax
    element, gigabytes for a generated list of a million items: a file with more than
    `PYTHON_MAX_ELEMENTS` commas, brackets and lines is skipped at once. A suspicious file
    (brackets nested more than 200 deep, counted raw, or a line over 4,000 characters) is
    first read by CPython's own parser, which fails cleanly on such input, and is skipped when
    that reports excessive nesting, or when it does not parse and its brackets nest deeper
    than Python allows. Ordinary files pay seven byte counts; files with many brackets a
    C-level scan of them (about 0.1 s per million lines when given bytes)."""
    data = source.encode("utf-8", errors="replace") if isinstance(source, str) else source
    opens = data.count(b"(") + data.count(b"[") + data.count(b"{")
    elements = opens + data.count(b",") + data.count(b"\n") + data.count(b";")
    if elements > PYTHON_MAX_ELEMENTS:
        return (f"too large to analyse ({elements:,} syntax elements: commas, brackets and lines; "
                f"the limit is {PYTHON_MAX_ELEMENTS:,})")
    deepest = 0
    if opens > PYTHON_MAX_BRACKETS:
        # running depth over the brackets alone (strings and comments may hold a few: CPython
        # has the last word below)
        deepest = max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, data.translate(None, _NOT_BRACKETS))))
    if deepest <= PYTHON_MAX_BRACKETS and (len(data) <= _LONG_LINE or not _has_long_line(data)):
        return None
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<ailint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except RecursionError:
        return "nested too deeply to parse"
    except MemoryError:
        return "too complex to parse"
    except SyntaxError as exc:
        message = str(exc.msg or "")
        if "too many nested" in message or "too complex" in message or "too deeply" in message:
            return f"nested too deeply to parse ({message})"
        if deepest > PYTHON_MAX_BRACKETS:
            return f"nested too deeply to parse ({deepest} levels of brackets; Python allows {PYTHON_MAX_BRACKETS})"
    except (ValueError, OverflowError):
        pass
    return None


_NOT_BRACKETS = bytes(code for code in range(256) if code not in b"()[]{}")
_BRACKET_STEP = [0] * 256
for _code in b"([{":
    _BRACKET_STEP[_code] = 1
for _code in b")]}":
    _BRACKET_STEP[_code] = -1
def _has_long_line(data: bytes) -> bool:
    """A line of `_LONG_LINE` bytes or more (splitting is 13 times faster than a regex that
    looks for such a run, which restarts at every position of every line)."""
    return max(map(len, data.split(b"\n"))) >= _LONG_LINE


# -- notebooks -------------------------------------------------------------------------------

@dataclass
class NotebookSource:
    """The code cells of a notebook as one Python source; `line_map[i]` is the raw file's
    (line, column) of the virtual source's line i + 1."""

    source: str
    line_map: List[Tuple[int, int]]


_MAGIC = re.compile(r"^\s*[%!?]")


def notebook_python(data: Any, entries: List[Entry]) -> NotebookSource:
    """Join code cells into one Python module; IPython magics and shell lines become comments."""
    cells = data.get("cells", []) if isinstance(data, dict) else []
    by_key = {entry.key: entry for entry in entries}
    lines: List[str] = []
    line_map: List[Tuple[int, int]] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", [])
        parts = source if isinstance(source, list) else [source]
        keys = [("cells", index, "source", n) for n in range(len(parts))] if isinstance(source, list) else [("cells", index, "source")]
        for part, key in zip(parts, keys):
            if not isinstance(part, str):
                continue
            entry = by_key.get(key)
            base_line, base_column = (entry.span.line, entry.span.column) if entry else (1, 1)
            for offset, text_line in enumerate(part.splitlines() or [""]):
                if _MAGIC.match(text_line) or text_line.lstrip().startswith("%%"):
                    text_line = "# " + text_line
                lines.append(text_line)
                line_map.append((base_line, base_column))
        lines.append("")  # cells end with a newline so they never merge
        line_map.append(line_map[-1] if line_map else (1, 1))
    return NotebookSource("\n".join(lines) + "\n", line_map)


PARSERS = {
    FileKind.YAML: parse_yaml,
    FileKind.JSON: parse_json,
    FileKind.NOTEBOOK: parse_json,
    FileKind.TOML: parse_toml,
    FileKind.ENV: parse_env,
    FileKind.INI: parse_ini,
    FileKind.DOCKERFILE: parse_dockerfile,
}


def parse_document(path: str, kind: FileKind, text: str) -> ConfigDocument:
    """Parse a non-Python file. Raises ParseError with a position when the file is malformed."""
    lines = text.splitlines()
    parser = PARSERS.get(kind)
    if parser is None:
        return ConfigDocument(path, kind, text, lines)
    data, entries = parser(text)
    return ConfigDocument(path, kind, text, lines, entries, data)

"""The modules a Python file imports, read from its bytes without parsing it.

This is the engine's cheapest look at a file (about 20 times faster than `ast.parse`, 100 times
faster than libcst): it decides which files are worth a full parse (`ailint.sdk.relevance`) and
feeds the project-wide import graph (the project index, AIL401). It errs on the side of finding
too much: an import statement inside a string or a comment counts, which costs at most one
needless parse; a real import statement is never missed, whether indented (lazy imports in
functions), after `;` or `:` (`try: import openai`), parenthesised over several lines, or
continued with backslashes.

`imported_names(data)` returns what `ast` would give for the file's import statements, in the
shape the rest of ailint uses: `import a.b as c` gives "a.b"; `from a.b import c, d` gives
"a.b", "a.b.c", "a.b.d"; relative imports keep their dots (`from ..llm import client` gives
"..llm" and "..llm.client"; `from . import llm` gives "." and ".llm").

`import_facts(data)` also says which of those names only name the module of a `from` import
(`from app.llm import helper` binds `helper`, not `app.llm`): the SDK gate asks what such a
module exports instead of admitting every file that imports anything from it.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Set, Tuple, TypeVar

T = TypeVar("T")

_IMPORT = re.compile(rb"import[ \t(\\*]")
# What may precede `import` on its line: indentation, an earlier statement ending in `;` or a
# compound statement's `:`, and `from <module>`.
_PREFIX = re.compile(rb"(?:[^\n]*[;:])?[ \t]*(?:from(?:[ \t]+|(?=\.))([\w. \t\x80-\xff]*?)[ \t]*)?")  # \x80-: UTF-8 names
_NAME = re.compile(r"[^\W\d][\w]*(?:[ \t]*\.[ \t]*[^\W\d][\w]*)*")


def imported_names(data: bytes) -> Tuple[str, ...]:
    """Dotted names the file's import statements bind (see the module docstring)."""
    return import_facts(data)[0]


def import_facts(data: bytes) -> Tuple[Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]]:
    """(`imported_names(data)`, the names among them that are only ever the module of a `from`
    import with no `*`, the names of plain `import` statements). `from a.b import c` alone
    gives (("a.b", "a.b.c"), ("a.b",), ()); with `import a.b`, `from a import b` or
    `from a.b import *` too, a.b is bound (or may bind anything), so it is not in the second
    tuple. `import a.b` binds `a`, through which every module under `a` can be read: the
    third tuple says which names came that way."""
    out: List[str] = []
    from_modules: List[str] = []
    plain: List[str] = []
    bound: set = set()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark
    for match in _IMPORT.finditer(data):
        start = match.start()
        line_start = data.rfind(b"\n", 0, start) + 1
        prefix = _PREFIX.fullmatch(data, line_start, start)
        if prefix is None:
            continue
        before = data[start - 1:start] if start > line_start else b" "
        if before not in b" \t;:" and not (before == b"." and prefix.group(1)):  # `from.import x`
            continue
        body = _statement_body(data, start + 6)
        module = prefix.group(1)
        if module is None:
            if data[start:match.end()].endswith(b"("):
                continue  # `import(` is not a statement
            names = _aliases(body)
            out.extend(names)
            plain.extend(names)
            bound.update(names)
            continue
        base = module.decode("utf-8", "replace").replace(" ", "").replace("\t", "")  # `from app.réseau import x`
        if not base or (base.strip(".") and not _is_dotted(base.lstrip("."))):
            continue
        out.append(base)
        joiner = "" if base.endswith(".") else "."
        names = _aliases(body)
        taken = [f"{base}{joiner}{name}" for name in names if "." not in name]
        out.extend(taken)
        bound.update(taken)  # `from a import b` binds a.b, which `from a.b import c` does not
        if names and "*" not in body:
            from_modules.append(base)
        else:
            bound.add(base)  # `from a import *` (or a statement read wrongly): may bind anything
    names = tuple(dict.fromkeys(out))
    return names, tuple(name for name in dict.fromkeys(from_modules) if name not in bound), tuple(dict.fromkeys(plain))


def _statement_body(data: bytes, start: int) -> str:
    """The text after `import`, up to the end of the statement (comments dropped)."""
    position = start
    while position < len(data) and data[position:position + 1] in b" \t":
        position += 1
    if data[position:position + 1] == b"(":
        close = data.find(b")", position)
        segment = data[position + 1:close if close != -1 else len(data)]
        if b"#" not in segment:
            return segment.decode("utf-8", "replace")
        lines = []  # a comment inside the parentheses may hold a ")"
        for line in data[position + 1:position + 1 + 65536].split(b"\n"):
            code = line.split(b"#", 1)[0]
            if b")" in code:
                lines.append(code.split(b")", 1)[0])
                break
            lines.append(code)
        return "\n".join(part.decode("utf-8", "replace") for part in lines)
    end = start
    while True:
        newline = data.find(b"\n", end)
        if newline == -1:
            newline = len(data)
        line_end = newline - 1 if newline > 0 and data[newline - 1:newline] == b"\r" else newline
        if line_end > start and data[line_end - 1:line_end] == b"\\" and newline < len(data):
            end = newline + 1
            continue
        text = data[start:newline].decode("utf-8", "replace")
        return text.split(";", 1)[0].split("#", 1)[0].replace("\\\r\n", " ").replace("\\\n", " ")


def _aliases(body: str) -> List[str]:
    """`a.b as c, d` -> ["a.b", "d"]; comments and line breaks inside parentheses are ignored."""
    out = []
    for line in body.splitlines() or [body]:
        for part in line.split("#", 1)[0].split(","):
            match = _NAME.match(part.strip())
            if match is not None:
                name = match.group(0)
                out.append(name if " " not in name and "\t" not in name else re.sub(r"[ \t]+", "", name))
            elif part.strip() == "*":
                continue
    return out


def _is_dotted(text: str) -> bool:
    return _NAME.fullmatch(text) is not None


def absolute(name: str, module: str, is_package: bool) -> str:
    """`name` with a relative import's dots resolved from the module doing the import
    (`module` is its dotted name; `is_package` when the file is an `__init__.py`)."""
    if not name.startswith("."):
        return name
    dots = len(name) - len(name.lstrip("."))
    base = module.split(".") if module else []
    if not is_package:
        base = base[:-1]
    if dots > 1:
        base = base[:len(base) - (dots - 1)] if dots - 1 <= len(base) else []
    rest = name[dots:].strip(".")
    return ".".join(part for part in base + ([rest] if rest else []) if part)


def under_prefixes(pairs: Iterable[Tuple[str, Iterable[T]]]) -> Dict[str, Set[T]]:
    """{dotted name and every dotted prefix of it: the values of the names at or under it}, for
    (dotted name, values) pairs: what an import binding `app` (or `app.sub`) can reach."""
    out: Dict[str, Set[T]] = {}
    for name, values in pairs:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            out.setdefault(".".join(parts[:end]), set()).update(values)
    return out

"""A light import table: which qualified name each local name stands for.

One pass over a module's statements (never its expressions) records `import x`,
`import x.y as z` and `from x import y as z`, at any depth (imports inside functions and
`try` blocks count). This answers "is `OpenAI` here really `openai.OpenAI`" through aliases
and from-imports at a fraction of the cost of libcst's scope analysis; it does not track
rebinding of a name inside a function, which real code rarely does with SDK names.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _module_name(node) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


class ImportTable:
    def __init__(self, aliases: Optional[Dict[str, str]] = None) -> None:
        self.aliases: Dict[str, str] = dict(aliases or {})

    @classmethod
    def from_module(cls, module: cst.Module) -> "ImportTable":
        table = cls()
        stack = list(reversed(module.body))
        while stack:
            statement = stack.pop()
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        table._add_import(small)
                    elif isinstance(small, cst.ImportFrom):
                        table._add_import_from(small)
            else:
                stack.extend(reversed(list(_child_statements(statement))))
        return table

    def _add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.aliases.setdefault(top, top)

    def _add_import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        dots = "." * len(node.relative)
        module = dots + _module_name(node.module)
        for alias in node.names:
            name = _module_name(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            joiner = "" if module.endswith(".") else "."
            self.aliases[local] = f"{module}{joiner}{name}" if module else name

    def qualify(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name an expression refers to through imports, or None."""
        name = dotted_name(node)
        if name is None:
            return None
        return self.qualify_name(name)

    def qualify_name(self, name: str) -> Optional[str]:
        head, _, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def imports_any(self, modules: Iterable[str]) -> bool:
        """Whether any import comes from one of `modules` (top-level package names)."""
        wanted = set(modules)
        return any(target.split(".")[0] in wanted for target in self.aliases.values())


def _child_statements(statement) -> Iterable[cst.BaseStatement]:
    """The statements nested directly in a compound statement (bodies, else, except, finally)."""
    for attr in ("body", "orelse", "handlers", "finalbody"):
        child = getattr(statement, attr, None)
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            for handler in child:
                yield from _child_statements(handler) if not isinstance(handler, cst.BaseStatement) else (handler,)
        elif isinstance(child, cst.BaseSuite):
            body = child.body
            if isinstance(child, cst.SimpleStatementSuite):
                yield cst.SimpleStatementLine(body=body)
            else:
                yield from body
        elif isinstance(child, (cst.Else, cst.Finally)):
            yield from _child_statements(child)
        elif isinstance(child, cst.If):  # elif
            yield child
    cases = getattr(statement, "cases", None)
    if cases:
        for case in cases:
            yield from _child_statements(case)

"""Parsing Python with libcst, without re-validating the nodes its own parser built.

libcst checks every node it constructs in `CSTNode.__post_init__` (whitespace and
parenthesis rules, meant for trees built by hand). A tree built by libcst's parser passes
these checks by construction, and they are about 12% of a parse (0.157 s against 0.138 s for
a 2,900-line module). `parse_module` switches them off for the parse only; nodes built
elsewhere (fixes, tests) are validated as usual. libcst notes the same idea at
`CSTNode.__post_init__` ("avoid validating the tree when parsing a file").

ailint parses one file at a time in each process, so the switch cannot leak into another
parse; it is restored even when the parse fails.
"""

from __future__ import annotations

from typing import Union

import libcst as cst
from libcst._nodes.base import CSTNode


def _skip_validation(self) -> None:
    return None


def parse_module(source: Union[str, bytes]) -> cst.Module:
    """`libcst.parse_module(source)`, the same tree (see the module docstring)."""
    validate = CSTNode.__dict__.get("__post_init__")
    if validate is None:  # a libcst that no longer validates here: nothing to switch off
        return cst.parse_module(source)
    CSTNode.__post_init__ = _skip_validation
    try:
        return cst.parse_module(source)
    finally:
        CSTNode.__post_init__ = validate

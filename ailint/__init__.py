"""ailint: a production-readiness linter for AI code and its configuration.

Plugin authors import `hookimpl` from here; see `ailint.hookspecs` for the hooks.
Importing this package stays cheap (no libcst) so that `ailint --version` starts fast.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("ailint")

__all__ = ["__version__", "hookimpl"]

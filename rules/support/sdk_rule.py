"""What the SDK rules (AIL1xx, AIL2xx, AIL601) share."""

from __future__ import annotations

from ailint.rule import PythonRule


class SdkRule(PythonRule):
    """A rule that reads `ailint.sdk` analyses in `end_file` and visits no node itself.

    `uses_project_index` asks the runner for the project-wide client index; `requires_sdk_import`
    lets the engine skip files that import no SDK (every SDK rule reports on catalogued calls). `get_visitors` is
    answered without libcst's reflection over the visitor's hundreds of attributes, which the
    engine asks for on every file (it costs about 30 ms per rule and file).
    """

    uses_project_index = True
    requires_sdk_import = True

    def get_visitors(self):
        return {}

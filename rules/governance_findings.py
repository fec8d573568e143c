"""Findings about the project's own exceptions (AIL80x): waivers and baselines. The decision
layer reports them; these classes carry their documentation. Declared policies use
AIL810-AIL899 or an organisation's own prefix."""

from __future__ import annotations

from ailint.rule import EngineRule
from ailint.types import FileKind, Severity

_CONFIG_KINDS = frozenset({FileKind.TOML})


class ExpiredWaiver(EngineRule):
    """
    ## What it does
    Reports a waiver in `[[tool.ailint.waivers]]` whose `expires` date has passed. From that
    day the waiver suppresses nothing, so the findings it covered are reported again too.

    ## Why is this bad?
    A waiver is an owned, dated exception: "we accept this risk until then". Past the date,
    nobody has re-decided. Failing the run makes the owner fix the findings or renew the waiver
    with a new date and reason, in review.

    ## Example
    ```toml
    [[tool.ailint.waivers]]
    codes = ["AIL101"]
    paths = ["legacy/**"]
    reason = "vendored client, replaced in Q1"
    owner = "platform-team@acme.example"
    expires = 2025-03-31
    ```

    ## Use instead
    Fix the findings and delete the waiver, or renew it: `expires = 2027-03-31` with a reason.

    ## Options
    None. Tests and dry runs can set "today" with the `AILINT_TODAY` environment variable.

    ## References
    - README, "Waivers"
    """

    code = "AIL801"
    name = "expired-waiver"
    severity = Severity.ERROR
    kinds = _CONFIG_KINDS
    EXAMPLES_NOT_APPLICABLE = "needs a configuration file; covered by tests/test_governance.py"


class UnusedWaiver(EngineRule):
    """
    ## What it does
    Reports a waiver that suppressed no finding in the files it covers that were checked.

    ## Why is this bad?
    A waiver that covers nothing is stale: it will silently hide the next problem of that kind
    in those paths. Delete it.

    ## Example
    ```toml
    [[tool.ailint.waivers]]
    codes = ["AIL102"]
    paths = ["app/http.py"]   # every call there has a timeout now
    ```

    ## Use instead
    Remove the waiver.

    ## Options
    None. Under a partial file list (pre-commit), a waiver is judged only when a checked file
    matches its paths.

    ## References
    - README, "Waivers"
    """

    code = "AIL802"
    name = "unused-waiver"
    severity = Severity.WARNING
    kinds = _CONFIG_KINDS
    EXAMPLES_NOT_APPLICABLE = "needs a configuration file; covered by tests/test_governance.py"


class StaleBaselineEntry(EngineRule):
    """
    ## What it does
    Reports a baseline entry (`--baseline FILE`) that no longer matches a finding in a checked
    file: the problem was fixed, or the code changed.

    ## Why is this bad?
    A baseline should only shrink. A stale entry would hide a future finding with the same
    fingerprint, and keeps the file larger than the debt it records.

    ## Example
    `ailint check --baseline .ailint-baseline.json` after fixing one baselined call.

    ## Use instead
    `ailint check --baseline .ailint-baseline.json --update-baseline` rewrites the baseline
    without the stale entries (it never adds new findings).

    ## Options
    None.

    ## References
    - README, "Adopting ailint on an existing repository (baselines)"
    """

    code = "AIL803"
    name = "stale-baseline-entry"
    severity = Severity.WARNING
    kinds = frozenset({FileKind.JSON})
    EXAMPLES_NOT_APPLICABLE = "needs a baseline file; covered by tests/test_governance.py"

from __future__ import annotations

from ailint.rule import Invalid, Valid
from ailint.sdk.analysis import NetworkCall, NetworkCalls
from ailint.sdk.catalog import Needles, document
from ailint.sdk.effective import DISABLED, MISSING, Timeout, every, related, timeouts
from ailint.types import Severity
from ailint_rules.support.sdk_rule import SdkRule


@document("http", "timeout")
class HttpCallWithoutTimeout(SdkRule):
    """
    ## What it does
    Flags HTTP calls that can wait forever: `requests` calls (module functions such as
    `requests.post`, and `Session` methods) without a `timeout=`, and any `requests`, `httpx` or
    `aiohttp` call whose timeout is disabled: `timeout=None` on the call or on the
    `httpx.Client` it is made with, `httpx.Timeout(None)`, or an
    `aiohttp.ClientTimeout()` with neither `total` nor `sock_read`. Sessions and clients are
    followed like LLM clients (names, `self.x`, factories, other modules of the project).

    ## Why is this bad?
    `requests` has no timeout at all unless one is passed on every call (a `Session` has no
    timeout setting: `session.timeout = 10` does nothing), so a provider or gateway that stops
    answering blocks the worker forever. `httpx` defaults to 5 s and aiohttp to 300 s in
    total, but `None` removes those limits. AI services call model gateways, vector stores and
    tools over HTTP: one hung connection per worker is an outage.

    ## Example
    ```python
    import requests

    reply = requests.post(GATEWAY_URL, json=payload)
    ```

    ## Use instead
    ```python
    import requests

    reply = requests.post(GATEWAY_URL, json=payload, timeout=(3.05, 30))
    ```

    ## Options
    None.

    ## References
    {references}
    - ruff S113 / bandit B113 (requests only): https://docs.astral.sh/ruff/rules/request-without-timeout/
    """

    code = "AIL102"
    name = "http-call-without-timeout"
    severity = Severity.WARNING
    needles = Needles("http")
    requires_sdk_import = "http"

    VALID = [
        Valid("import requests\nrequests.get('https://x', timeout=10)\n"),
        Valid("import requests\ns = requests.Session()\ns.post('https://x', json={}, timeout=(3, 30))\n"),
        Valid("import httpx\nhttpx.get('https://x')\n"),
        # a transport adapter of the project's own may set the timeout: ailint cannot tell
        Valid("import requests\nfrom app.http import TimeoutHTTPAdapter\ns = requests.Session()\n"
              "s.mount('https://', TimeoutHTTPAdapter(timeout=10))\ns.get('https://x')\n"),
        Valid("import httpx\nwith httpx.Client(timeout=10) as client:\n    client.get('https://x')\n"),
        Valid("import requests\nopts = {'timeout': 5}\nrequests.get('https://x', **opts)\n"),
        Valid("import requests\n\ndef fetch(url, **kw):\n    return requests.get(url, **kw)\n"),
        Valid("import requests\nsession = requests.Session()\nsession.headers.update({'a': 'b'})\n"),
        Valid("from mylib import requests\nrequests.get('https://x')\n"),
        Valid("import aiohttp\n\nasync def f(url):\n    async with aiohttp.ClientSession() as s:\n"
              "        return await s.get(url)\n"),
        Valid("import aiohttp\n\nasync def f(url):\n    async with aiohttp.ClientSession(timeout=None) as s:\n"
              "        return await s.get(url)\n"),
    ]
    INVALID = [
        Invalid("import requests\nrequests.post('https://x', json={})\n", lines=[2], message="no timeout"),
        Invalid("from requests import get as fetch\nfetch('https://x')\n", lines=[2]),
        Invalid("import requests\nwith requests.Session() as s:\n    s.get('https://x')\n", lines=[3]),
        # requests' own HTTPAdapter retries, but sets no timeout
        Invalid("import requests\nfrom requests.adapters import HTTPAdapter\ns = requests.Session()\n"
                "s.mount('https://', HTTPAdapter(max_retries=3))\ns.get('https://x')\n", lines=[5]),
        Invalid("import requests\nrequests.get('https://x', timeout=None)\n", lines=[2], message="timeout=None"),
        Invalid("import httpx\nhttpx.post('https://x', timeout=None)\n", lines=[2], message="timeout=None"),
        Invalid("import httpx\nclient = httpx.Client(timeout=httpx.Timeout(None))\nclient.get('https://x')\n",
                lines=[3], message="disables"),
        Invalid("import requests\nopts = {}\nopts['verify'] = True\nrequests.get('https://x', **opts)\n", lines=[4]),
        Invalid("import aiohttp\n\nasync def f(url):\n"
                "    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout()) as s:\n"
                "        return await s.get(url)\n", lines=[5], message="disables"),
        Invalid("import aiohttp\n\nasync def f(session: aiohttp.ClientSession, url):\n"
                "    async with aiohttp.ClientSession() as s:\n        return await s.get(url, timeout=None)\n",
                lines=[5], message="timeout=None"),
    ]

    def end_file(self) -> None:
        analysis = NetworkCalls.of(self.file)
        for call in analysis.calls:
            if call.spec.kind != "http":
                continue
            results = timeouts(call, analysis)
            if every(results, lambda t: self._flagged(call, t)):
                self.report(call.node, self._message(call, results[0]), related=related(call))

    @staticmethod
    def _flagged(call: NetworkCall, timeout: Timeout) -> bool:
        if timeout.state == DISABLED:
            return True
        return timeout.state == MISSING and call.spec.default_timeout is None

    def _message(self, call: NetworkCall, timeout: Timeout) -> str:
        what = call.method if call.client is None else f"{call.spec.qualname}.{call.method}"
        if timeout.state == DISABLED:
            if timeout.where == "call":
                import libcst as cst

                if isinstance(timeout.node, cst.Name) and timeout.node.value == "None":
                    return f"timeout=None on {what} disables the timeout, so the request can hang forever; set a number of seconds"
                return f"the timeout on {what} disables every limit, so the request can hang forever; set a number of seconds"
            return (f"the {call.client.spec.qualname} built at {{related}} disables its timeout; "
                    f"set a number of seconds there or timeout= on this call")
        return f"{what} has no timeout by default and can wait forever; pass timeout= (seconds, or a (connect, read) tuple)"

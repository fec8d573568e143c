from __future__ import annotations

from ailint.rule import Invalid, PythonRule, Valid
from ailint.sdk.analysis import NetworkCall, NetworkCalls
from ailint.sdk.values import DISABLED, timeout_state
from ailint.types import Severity


class HttpCallWithoutTimeout(PythonRule):
    """
    ## What it does
    Flags HTTP calls that can wait forever: `requests` calls (module functions such as
    `requests.post`, and `Session` methods) without a `timeout=`, and any `requests` or `httpx`
    call whose timeout is disabled with `timeout=None` (on the call, or on the `httpx.Client`
    it is made with) or `httpx.Timeout(None)`.

    ## Why is this bad?
    `requests` has no timeout at all unless one is passed on every call (a `Session` has no
    timeout setting), so a provider or gateway that stops answering blocks the worker forever.
    `httpx` defaults to 5 s, but `timeout=None` removes it. AI services call model gateways,
    vector stores and tools over HTTP: one hung connection per worker is an outage.

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
    - requests: "Nearly all production code should use this parameter in nearly all requests":
      https://requests.readthedocs.io/en/latest/user/advanced/#timeouts
    - httpx default timeout of 5 seconds and `timeout=None`:
      https://www.python-httpx.org/advanced/timeouts/
    - ruff S113 / bandit B113 (requests only):
      https://docs.astral.sh/ruff/rules/request-without-timeout/
    """

    code = "AIL102"
    name = "http-call-without-timeout"
    severity = Severity.WARNING
    needles = (b"requests", b"httpx")

    VALID = [
        Valid("import requests\nrequests.get('https://x', timeout=10)\n"),
        Valid("import requests\ns = requests.Session()\ns.post('https://x', json={}, timeout=(3, 30))\n"),
        Valid("import httpx\nhttpx.get('https://x')\n"),
        Valid("import httpx\nwith httpx.Client(timeout=10) as client:\n    client.get('https://x')\n"),
        Valid("import requests\nopts = {'timeout': 5}\nrequests.get('https://x', **opts)\n"),
        Valid("import requests\n\ndef fetch(url, **kw):\n    return requests.get(url, **kw)\n"),
        Valid("import requests\nsession = requests.Session()\nsession.headers.update({'a': 'b'})\n"),
        Valid("from mylib import requests\nrequests.get('https://x')\n"),
    ]
    INVALID = [
        Invalid("import requests\nrequests.post('https://x', json={})\n", lines=[2], message="no timeout"),
        Invalid("from requests import get as fetch\nfetch('https://x')\n", lines=[2]),
        Invalid("import requests\nwith requests.Session() as s:\n    s.get('https://x')\n", lines=[3]),
        Invalid("import requests\nrequests.get('https://x', timeout=None)\n", lines=[2], message="timeout=None"),
        Invalid("import httpx\nhttpx.post('https://x', timeout=None)\n", lines=[2], message="timeout=None"),
        Invalid("import httpx\nclient = httpx.Client(timeout=httpx.Timeout(None))\nclient.get('https://x')\n",
                lines=[3], message="disables"),
        Invalid("import requests\nopts = {}\nopts['verify'] = True\nrequests.get('https://x', **opts)\n", lines=[4]),
    ]

    def end_file(self) -> None:
        for call in NetworkCalls.of(self.file).calls:
            if call.spec.kind != "http" or call.opaque:
                continue
            message = self._verdict(call)
            if message:
                related = [(call.client.node, "client built here")] if call.client is not None else []
                self.report(call.node, message, related=related)

    def _verdict(self, call: NetworkCall):
        imports = self.file.imports
        what = call.method if call.client is None else f"{call.spec.qualname}.{call.method}"
        if "timeout" in call.keywords:
            if timeout_state(call.keywords["timeout"], imports) == DISABLED:
                return f"timeout=None on {what} disables the timeout, so the request can hang forever; set a number of seconds"
            return None
        client = call.client
        if client is not None and not client.opaque:
            for keyword in client.spec.timeout_keywords:
                if keyword in client.keywords:
                    if timeout_state(client.keywords[keyword], imports) == DISABLED:
                        return (f"the {client.spec.qualname} built at {{related}} disables its timeout; "
                                f"set a number of seconds there or timeout= on this call")
                    return None
        if call.spec.default_timeout is None:
            return f"{what} has no timeout by default and can wait forever; pass timeout= (seconds, or a (connect, read) tuple)"
        return None

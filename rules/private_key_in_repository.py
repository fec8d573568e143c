from __future__ import annotations

from ailint.parsing import ConfigDocument
from ailint.rule import ConfigRule, Invalid, Valid
from ailint.types import Severity, Span
from ailint_rules.support.fake_keys import FakeKeys
from ailint_rules.support.secret_hits import FIXTURE_PATHS, PRIVATE_KEY, SECRET_KINDS, find_hits, in_fixture, redactions

_KEYS = FakeKeys(seed=503)
_PEM = _KEYS.make("pem")
_PEM_ESCAPED = _KEYS.make("pem-escaped")
_BEGIN = "-----BEGIN " + "RSA PRIVATE" + " KEY-----"
_END = "-----END " + "RSA PRIVATE" + " KEY-----"


class PrivateKeyInRepository(ConfigRule):
    """
    ## What it does
    Flags a PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted or not), or a PGP
    private key block (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), with a real
    base64 body in any file: source code (also with `\\n` escapes inside a string), notebooks,
    JSON service-account files, YAML, `.env` files and plain text. Blocks whose body is a
    placeholder (`...`, `<your key>`) are not flagged. The finding points at the `BEGIN` line.

    ## Why is this bad?
    A private key signs or decrypts on behalf of its owner: a GCP service account, a GitHub App,
    an SSH deploy key, a TLS server. Anyone who can read the repository (and its history) can
    impersonate that identity until the key is revoked.

    ## Example
    ```json
    {"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ…\\n-----END PRIVATE KEY-----\\n"}
    ```

    ## Use instead
    Revoke the key, keep key files out of the repository (`.gitignore`), and mount them at run
    time from a secret manager, or use workload identity so that no key file exists at all.

    ## Options
    - `fixture-paths` (list of globs, default `[]`): files holding deliberate fake keys (test
      fixtures); nothing in them is reported.

    ## References
    - gitleaks `private-key` rule: https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml
    - detect-secrets `PrivateKeyDetector`:
      https://github.com/Yelp/detect-secrets/blob/master/detect_secrets/plugins/private_key.py
    - RFC 7468, textual encodings of PKIX and PKCS structures: https://www.rfc-editor.org/rfc/rfc7468
    - Google Cloud, best practices for managing service account keys:
      https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys
    """

    code = "AIL503"
    name = "private-key-in-repository"
    severity = Severity.ERROR
    security_severity = 8.5
    kinds = SECRET_KINDS
    needles = (b"PRIVATE KEY",)  # PEM "PRIVATE KEY-----" and PGP "PRIVATE KEY BLOCK-----"
    options = {"fixture-paths": FIXTURE_PATHS}

    VALID = [
        Valid("KEY = '''\n" + _BEGIN + "\n...\n" + _END + "\n'''\n"),
        Valid("private_key: |\n  " + _BEGIN + "\n  <paste your key here>\n  " + _END + "\n", path="values.yaml"),
        Valid("# Keys start with " + _BEGIN + "\n", path="README.md"),
    ]
    INVALID = [
        Invalid("SIGNING_KEY = '''\n" + _PEM + "\n'''\n", lines=[2], message="private key"),
        Invalid('{\n  "type": "service_account",\n  "private_key": "' + _PEM_ESCAPED + '\\n"\n}\n',
                path="service-account.json", lines=[3]),
        Invalid("notes\n\n" + _PEM + "\n", path="deploy_key.txt", lines=[3]),
    ]

    def check(self, document: ConfigDocument) -> None:
        if in_fixture(self.settings, document.path):
            return
        hits = find_hits(document)
        for hit in hits:
            if hit.kind == PRIVATE_KEY:
                self.report(
                    Span(hit.line, hit.column),
                    "a private key is committed here: anyone who can read the repository can sign or decrypt "
                    "as its owner; revoke it and load it at run time from a secret manager",
                    snippet=hit.fingerprint, redact=redactions(hits, hit.line),
                )

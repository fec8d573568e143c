from __future__ import annotations

from ailint.parsing import ConfigDocument
from ailint.rule import ConfigRule, Invalid, Valid
from ailint.types import Severity, Span
from ailint_rules.support.fake_keys import FakeKeys
from ailint_rules.support.secret_hits import CREDENTIAL, FIXTURE_PATHS, SECRET_KINDS, find_hits, in_fixture, redactions

_KEYS = FakeKeys(seed=502)
_AZURE, _COHERE, _MISTRAL, _GENERIC, _PASSWORD = (
    _KEYS.make(kind) for kind in ("azure", "cohere", "mistral", "generic", "password"))
_SHA = "3f2a" * 10  # a 40-hex revision id

# Every credential name holds one of these words; files without them are never read further.
_WORDS = ("key", "token", "secret", "passw", "pwd", "passphrase", "credential", "creds", "authorization")
_NEEDLES = tuple(variant.encode() for word in _WORDS for variant in (word, word.upper(), word.title())) \
    + (b"://",)  # a password in a URL: postgresql://app:<password>@db/app


class HardcodedCredential(ConfigRule):
    """
    ## What it does
    Flags a credential without a provider prefix written into a file: an Azure OpenAI, Cohere or
    Mistral key, a generic API key, token, client secret or password. Such a value can only be
    told from ordinary text by its context, so it is flagged when all of these hold:

    - the name it is bound to says "credential": a variable (`AZURE_OPENAI_KEY = "..."`), a
      keyword argument (`AzureOpenAI(api_key="...")`), a dict key or config key
      (`api_key: ...`, `password = ...`), an environment variable (`.env`, Dockerfile `ENV`,
      docker-compose `environment:`, Kubernetes `name:`/`value:`), an `os.getenv` or
      `add_argument("--api-key")` default, a fallback (`api_key or "..."`,
      `${API_KEY:-...}`), an item of `API_KEYS = [...]`, a header compared with a literal
      (`headers.get("X-API-Key") != "..."`), an `Authorization` header; a
      numbered or per-environment name counts too (`AZURE_OPENAI_KEY1`, `API_KEY_PROD`); or
      the password of a URL (`DATABASE_URL=postgresql://app:<password>@db/app`), whatever
      the name;
    - the value looks random (length, character classes and Shannon entropy), and
    - it is not a placeholder, an environment interpolation, a SOPS-encrypted value
      (`ENC[AES256_GCM,data:...]`) or a SealedSecret's `encryptedData`, a path or URL
      without a password, a hash (password hashes of bcrypt, argon2, Django and werkzeug
      included), a UUID or a revision id. In text files, an unquoted value with brackets is
      code (`token = getToken()`), not a credential.

    The provider (Azure OpenAI, Cohere, Mistral) is named from the variable, the client it is
    passed to, or an endpoint nearby (`*.openai.azure.com`) when the value has that
    provider's key shape. Keys with a provider prefix are
    reported by `hardcoded-provider-key` (AIL501), never twice.

    ## Why is this bad?
    A credential in the repository is available to everyone who can read it, in every clone,
    fork and CI log, and in git history forever. Azure OpenAI and Cohere keys have no prefix,
    so generic scanners often miss them; they are just as billable.

    ## Example
    ```python
    from openai import AzureOpenAI

    client = AzureOpenAI(
        azure_endpoint="https://contoso.openai.azure.com",
        api_key="3c1e…",
        api_version="2024-06-01",
    )
    ```
    ```yaml
    services:
      api:
        environment:
          - DB_PASSWORD=hunter2…
    ```

    ## Use instead
    Revoke the credential, then read it from the environment or a secret manager (or use
    keyless authentication such as Microsoft Entra ID tokens):
    ```python
    import os
    from openai import AzureOpenAI

    client = AzureOpenAI(
        azure_endpoint="https://contoso.openai.azure.com",
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version="2024-06-01",
    )
    ```

    ## Options
    - `fixture-paths` (list of globs, default `[]`): files holding deliberate fake credentials
      (test fixtures); nothing in them is reported. `per-file-ignores` with `"AIL5"` does the
      same for every secrets rule.

    ## References
    - gitleaks `generic-api-key` (keyword + entropy): https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml
    - trufflehog detectors `azure_openai` (32 hex), `mistral` (32 alphanumerics), `cohere`:
      https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors
    - detect-secrets `KeywordDetector` and entropy plugins:
      https://github.com/Yelp/detect-secrets#viewing-all-enabled-plugins
    - Bandit B105/B106/B107 (hardcoded password string / funcarg / default):
      https://bandit.readthedocs.io/en/latest/plugins/b105_hardcoded_password_string.html
    - Azure OpenAI, keyless authentication with Microsoft Entra ID:
      https://learn.microsoft.com/azure/ai-services/openai/how-to/managed-identity
    - CWE-798, Use of Hard-coded Credentials: https://cwe.mitre.org/data/definitions/798.html
    """

    code = "AIL502"
    name = "hardcoded-credential"
    severity = Severity.ERROR
    security_severity = 7.5
    kinds = SECRET_KINDS
    needles = _NEEDLES
    options = {"fixture-paths": FIXTURE_PATHS}

    VALID = [
        Valid("import os\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(api_key=os.getenv('AZURE_OPENAI_KEY'))\n"),
        Valid("API_KEY = 'YOUR_API_KEY'\nPASSWORD = 'changeme'\ntoken = '<your-token>'\nsecret = 'dummy-secret-value'\n"),
        Valid("max_tokens = 800\nstop_token = '<|endoftext|>'\ncache_key = 'user-profile-v2'\n"),
        Valid("MODEL_REVISION = '" + _SHA + "'\ntoken_sha = '" + _SHA + "'\n"),
        Valid("OPENAI_API_KEY=${OPENAI_API_KEY}\nDB_PASSWORD=\n", path="compose.env"),
        Valid("environment:\n  - AZURE_OPENAI_KEY=${AZURE_OPENAI_KEY}\n", path="docker-compose.yml"),
        # URLs whose password is a local default, a placeholder or an interpolation
        Valid("DATABASE_URL=postgresql://postgres:postgres@localhost:5432/app\n"
              "BROKER_URL=amqp://guest:guest@rabbitmq:5672//\nCACHE_URL=redis://:${REDIS_PASSWORD}@cache:6379/0\n"
              "DSN = 'mysql://user:password@db/app'\n", path="dev.env"),
        Valid("password = '" + _PASSWORD + "'\n", path="tests/fixtures/users.py",
              options={"fixture-paths": ["tests/fixtures/**"]}),
    ]
    INVALID = [
        Invalid("from openai import AzureOpenAI\n\nclient = AzureOpenAI(\n"
                "    azure_endpoint='https://contoso.openai.azure.com',\n    api_key='" + _AZURE + "',\n"
                "    api_version='2024-06-01',\n)\n", lines=[5], message="Azure OpenAI"),
        Invalid("import cohere\n\nCOHERE_API_KEY = '" + _COHERE + "'\nco = cohere.Client(COHERE_API_KEY)\n",
                lines=[3], message="Cohere"),
        Invalid("import os\n\nkey = os.getenv('MISTRAL_API_KEY', '" + _MISTRAL + "')\n", lines=[3], message="Mistral"),
        Invalid("services:\n  api:\n    environment:\n      - DB_PASSWORD=" + _PASSWORD + "\n",
                path="docker-compose.yml", lines=[4], message="password"),
        Invalid("env:\n  - name: SERVICE_TOKEN\n    value: " + _GENERIC + "\n", path="deploy.yaml", lines=[3]),
        Invalid("[auth]\nclient_secret = " + _GENERIC + "\n", path="setup.cfg", lines=[2]),
        Invalid("DATABASE_URL=postgresql://app:" + _PASSWORD + "@db.internal:5432/app\n", path="prod.env", lines=[1],
                message="postgresql:// URL"),
        Invalid('{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,\n'
                '  "source": ["%env AZURE_OPENAI_KEY=' + _AZURE + '\\n"]}],\n'
                ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n', path="demo.ipynb", lines=[2]),
    ]

    def check(self, document: ConfigDocument) -> None:
        if in_fixture(self.settings, document.path):
            return
        hits = find_hits(document)
        for hit in hits:
            if hit.kind == CREDENTIAL:
                where = f" in `{hit.name}`" if hit.name else ""
                self.report(
                    Span(hit.line, hit.column, hit.line, hit.end_column),
                    f"{hit.label} `{hit.masked}` is hardcoded{where}: anyone who can read the repository can use it; "
                    "revoke it and load it from the environment or a secret manager",
                    snippet=hit.fingerprint, redact=redactions(hits, hit.line),
                )

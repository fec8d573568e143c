from __future__ import annotations

from ailint.parsing import ConfigDocument
from ailint.rule import ConfigRule, Invalid, Valid
from ailint.types import Severity, Span
from ailint_rules.support import secrets
from ailint_rules.support.fake_keys import FakeKeys
from ailint_rules.support.secret_hits import FIXTURE_PATHS, PROVIDER, SECRET_KINDS, find_hits, in_fixture, redactions

_KEYS = FakeKeys(seed=501)
_OPENAI, _ANTHROPIC, _HF, _GITHUB, _GROQ, _AWS_ID, _AWS_SECRET = (
    _KEYS.make(kind) for kind in ("openai", "anthropic", "huggingface", "github", "groq", "aws-id", "aws-secret"))
_BAD_GITHUB = _KEYS.make("github-bad-checksum")

# Every keyword of every format: a file holding none of them is never read further.
_NEEDLES = tuple(sorted({keyword.encode() for fmt in secrets.SECRET_FORMATS if fmt.id != "private-key"
                         for keyword in fmt.keywords}))


class HardcodedProviderKey(ConfigRule):
    """
    ## What it does
    Flags an API key or token with a recognisable provider format written into a file: OpenAI,
    Anthropic, Google (Gemini), Hugging Face, Groq, Replicate, Together AI, Pinecone, LangSmith,
    AWS access keys, GitHub tokens (the CRC32 checksum must be valid), Slack tokens and
    webhooks, and Stripe live keys. Every kind of file is read: Python (string literals,
    f-strings, `os.getenv` defaults, comments), notebooks (cells and outputs), YAML, TOML, JSON,
    `.env`, INI, Dockerfiles and plain text. The finding points at the line holding the key and
    shows only a masked form of it (`sk-proj-…9xQ`).

    Placeholders (`sk-...`, `YOUR_API_KEY`, `<your-key>`, `xxxx`, `EXAMPLE`, `dummy`, `test`),
    environment interpolations (`${OPENAI_API_KEY}`, `os.environ/OPENAI_API_KEY`,
    `{{ secrets.OPENAI_API_KEY }}`) and values that merely look alike (hashes, revision ids,
    GitHub tokens with a wrong checksum) are not flagged.

    ## Why is this bad?
    A key in a repository is a key anyone with read access can use: every clone, fork, CI log,
    package and backup holds it, and it stays in git history after the line is deleted.
    Leaked LLM keys are found by automated scanners within minutes and run up bills or exfiltrate
    data. Removing the line is not enough: the key must be revoked and rotated.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI(api_key="sk-proj-…")
    ```
    ```yaml
    # litellm proxy config
    model_list:
      - model_name: claude
        litellm_params:
          api_key: sk-ant-api03-…
    ```

    ## Use instead
    Revoke the key at the provider, then read it from the environment or a secret manager:
    ```python
    from openai import OpenAI

    client = OpenAI()  # reads OPENAI_API_KEY from the environment
    ```
    ```yaml
    api_key: os.environ/ANTHROPIC_API_KEY
    ```

    ## Options
    - `fixture-paths` (list of globs, default `[]`): files holding deliberate fake keys (test
      fixtures); nothing in them is reported. `per-file-ignores = {"tests/fixtures/**" = ["AIL5"]}`
      does the same for every secrets rule.

    ## References
    - gitleaks rule set (openai-api-key, anthropic-api-key, gcp-api-key, huggingface-access-token,
      aws-access-token, github-pat, slack-bot-token, stripe-access-token ...):
      https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml
    - trufflehog detectors (openai, anthropic, groq, replicate, togetherai, pinecone, langsmith):
      https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors
    - GitHub token formats and checksums:
      https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
    - OpenAI, "Best practices for API key safety":
      https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety
    - OWASP Secrets Management Cheat Sheet:
      https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
    """

    code = "AIL501"
    name = "hardcoded-provider-key"
    severity = Severity.ERROR
    security_severity = 8.5
    kinds = SECRET_KINDS
    needles = _NEEDLES
    options = {"fixture-paths": FIXTURE_PATHS}

    VALID = [
        Valid("import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ['OPENAI_API_KEY'])\n"),
        Valid("OPENAI_API_KEY = 'sk-...'  # set yours here\nHF_TOKEN = 'hf_YOUR_TOKEN_HERE'\n"),
        Valid("model_list:\n  - model_name: gpt\n    litellm_params:\n      api_key: os.environ/OPENAI_API_KEY\n",
              path="litellm.yaml"),
        Valid("env:\n  OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n", path=".github/workflows/ci.yml"),
        Valid("GITHUB_TOKEN=" + _BAD_GITHUB + "\n", path="deploy.env"),  # checksum fails
        Valid("OPENAI_API_KEY = '" + _OPENAI + "'\n", path="tests/fixtures/keys.py",
              options={"fixture-paths": ["tests/fixtures/**"]}),
    ]
    INVALID = [
        Invalid("from openai import OpenAI\n\nclient = OpenAI(api_key='" + _OPENAI + "')\n", lines=[3], message="OpenAI"),
        Invalid("import os\n\nkey = os.getenv('ANTHROPIC_API_KEY', '" + _ANTHROPIC + "')\n", lines=[3]),
        Invalid("headers = {'Authorization': f'Bearer " + _HF + "'}\n", lines=[1], message="Hugging Face"),
        Invalid("model_list:\n  - model_name: llama\n    litellm_params:\n      model: groq/llama3\n"
                "      api_key: " + _GROQ + "\n", path="proxy_config.yaml", lines=[5]),
        Invalid("[default]\naws_access_key_id = " + _AWS_ID + "\naws_secret_access_key = " + _AWS_SECRET + "\n",
                path="credentials.ini", lines=[2, 3]),
        Invalid("FROM python:3.12-slim\nENV GITHUB_TOKEN=" + _GITHUB + "\n", path="Dockerfile", lines=[2]),
        Invalid('{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,\n'
                '  "source": ["import os\\n", "os.environ[\\"OPENAI_API_KEY\\"] = \\"' + _OPENAI + '\\"\\n"]}],\n'
                ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n', path="demo.ipynb", lines=[2]),
    ]

    def check(self, document: ConfigDocument) -> None:
        if in_fixture(self.settings, document.path):
            return
        hits = find_hits(document)
        for hit in hits:
            if hit.kind == PROVIDER:
                self.report(
                    Span(hit.line, hit.column, hit.line, hit.end_column),
                    f"{hit.label} `{hit.masked}` is hardcoded here: anyone who can read the repository can use it; "
                    "revoke it and load it from the environment or a secret manager",
                    snippet=hit.fingerprint, redact=redactions(hits, hit.line),
                )


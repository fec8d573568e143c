"""The AIL5 secrets rules through the real engine: every provider format flagged and clean in
each kind of file, exact columns and redaction, one finding per secret, masked messages,
fingerprints, options, and the git index reader of `tracked-env-file`.

No fake key is written in this file: they are built at run time by `FakeKeys`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ailint.testing import check_files, check_source
from ailint_rules.hardcoded_credential import HardcodedCredential
from ailint_rules.hardcoded_provider_key import HardcodedProviderKey
from ailint_rules.private_key_in_repository import PrivateKeyInRepository
from ailint_rules.support import secrets
from ailint_rules.support.fake_keys import FakeKeys
from ailint.git_index import tracked_paths
from ailint_rules.tracked_env_file import TrackedEnvFile, is_template
from cli_helpers import check_json, run_ailint, write_files

KEYS = FakeKeys(seed=42)
FILE_RULES = (HardcodedProviderKey, HardcodedCredential, PrivateKeyInRepository)
PROVIDER_KINDS = ("openai", "openai-legacy", "anthropic", "google", "huggingface", "groq", "replicate", "together",
                  "pinecone", "langsmith", "aws-id", "github", "github-fine-grained", "slack-bot", "slack-webhook",
                  "stripe")


def all_findings(files, options=None):
    """Findings of every AIL5 file rule (each run alone, as the engine isolates them)."""
    out = []
    for rule in FILE_RULES:
        out.extend(f for f in check_files(rule, files, options) if f.code == rule.code)
    return sorted(out, key=lambda f: (f.path, f.line, f.column, f.code))


def embed(kind: str, value: str) -> dict:
    """One file of the given kind holding `value` on line 2."""
    return {
        "python": {"app.py": f'import os\nclient = Client(api_key="{value}", timeout=10)\n'},
        "yaml": {"config.yaml": f"llm:\n  api_key: {value}\n"},
        "json": {"settings.json": '{\n  "api_key": "' + value + '"\n}\n'},
        "env": {"prod.env": f"# keys\nAPI_KEY={value}\n"},
        "toml": {"config.toml": f'[llm]\napi_key = "{value}"\n'},
        "dockerfile": {"Dockerfile": f"FROM python:3.12\nENV API_KEY={value}\n"},
        "text": {"deploy.sh": f"#!/bin/sh\nexport API_KEY={value}\n"},
    }[kind]


@pytest.mark.parametrize("file_kind", ["python", "yaml", "json", "env", "toml", "dockerfile", "text"])
@pytest.mark.parametrize("key_kind", PROVIDER_KINDS)
def test_every_provider_format_is_flagged_once_in_every_kind_of_file(key_kind, file_kind):
    value = KEYS.make(key_kind)
    files = embed(file_kind, value)
    findings = all_findings(files)
    assert [(f.line, f.code) for f in findings] == [(2, "AIL501")], findings
    finding = findings[0]
    line = list(files.values())[0].splitlines()[1]
    start = line.index(value) + 1
    assert finding.column == start
    assert (start, start + len(value)) in finding.redact
    assert value not in finding.message and secrets.mask(value) in finding.message
    assert finding.snippet == secrets.fingerprint(value)


PLACEHOLDERS = ["sk-...", "sk-proj-\u2026", "YOUR_API_KEY", "<your-key>", "changeme", "xxxxxxxxxxxxxxxx", "EXAMPLE",
                "dummy", "test", "${OPENAI_API_KEY}", "os.environ/OPENAI_API_KEY", "{{ secrets.OPENAI_API_KEY }}",
                "$OPENAI_API_KEY", "sk-proj-" + "x" * 40, "test-key-1234567890", "your-openai-key-here",
                "fake_key_for_tests_only", "************************"]


@pytest.mark.parametrize("file_kind", ["python", "yaml", "env", "text"])
@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders_and_interpolations_are_never_flagged(value, file_kind):
    if file_kind == "python":
        value = value.replace('"', "'")
    assert all_findings(embed(file_kind, value)) == []


LOOK_ALIKES = {
    "git revision": "a3f9" * 10,
    "sha256": "9c1d" * 16,
    "uuid": "3f0c1b5e-9a7d-4c21-8e3b-5d6f7a8b9c0d",
    "model name": "gpt-4o-mini-2024-07-18",
    "path": "/run/secrets/openai_api_key",
    "url": "https://contoso.openai.azure.com/openai/deployments",
}


@pytest.mark.parametrize("value", list(LOOK_ALIKES.values()), ids=list(LOOK_ALIKES))
def test_hashes_ids_and_names_are_not_credentials(value):
    code = f'token = "{value}"\nsecret_key = "{value}"\nPASSWORD_FILE = "{value}"\n'
    assert all_findings({"app.py": code}) == []


def test_github_tokens_with_a_wrong_checksum_are_not_flagged_by_any_rule():
    bad = KEYS.make("github-bad-checksum")
    good = KEYS.make("github")
    assert secrets.github_checksum_ok(good) and not secrets.github_checksum_ok(bad)
    code = f'GITHUB_TOKEN = "{bad}"\nOTHER = "{good}"\n'
    assert [(f.line, f.code) for f in all_findings({"bot.py": code})] == [(2, "AIL501")]
    assert all_findings({".env": f"GITHUB_TOKEN={bad}\n", "ci.yaml": f"token: {bad}\n"}) == []


@pytest.mark.parametrize("key_kind", ["azure", "cohere", "mistral", "generic", "password"])
def test_prefixless_credentials_need_a_credential_name(key_kind):
    value = KEYS.make(key_kind)
    name = {"azure": "AZURE_OPENAI_KEY", "cohere": "COHERE_API_KEY", "mistral": "MISTRAL_API_KEY",
            "generic": "client_secret", "password": "db_password"}[key_kind]
    flagged = all_findings({"app.py": f'{name} = "{value}"\n'})
    assert [(f.line, f.code) for f in flagged] == [(1, "AIL502")]
    assert value not in flagged[0].message
    assert all_findings({"app.py": f'deployment = "{value}"\nlabel = "{value}"\n'}) == []


@pytest.mark.parametrize("name", ["passphrase", "SSH_PASSPHRASE", "keyPassphrase"])
def test_a_passphrase_is_a_password_in_code_and_config(name):
    value = KEYS.make("password")  # a file naming no other hint word: the name alone must count
    flagged = all_findings({"app.py": f'{name} = "{value}"\n', "conf.yaml": f"{name}: '{value}'\n"})
    assert sorted((f.path, f.code) for f in flagged) == [("app.py", "AIL502"), ("conf.yaml", "AIL502")]


def test_the_provider_is_named_from_the_client_or_an_endpoint_nearby():
    azure = KEYS.make("azure")
    code = ('from openai import AzureOpenAI\nclient = AzureOpenAI(\n    azure_endpoint="https://x.openai.azure.com",\n'
            f'    api_key="{azure}",\n)\n')
    [finding] = check_source(HardcodedCredential, code)
    assert finding.line == 4 and "Azure OpenAI" in finding.message and "`api_key`" in finding.message


@pytest.mark.parametrize("snippet,line", [
    ('KEY = os.getenv("OPENAI_API_KEY", "{v}")\n', 1),
    ('KEY = os.environ.get("COHERE_API_KEY") or "{v}"\n', 1),
    ('def connect(password="{v}"):\n    pass\n', 1),
    ('os.environ["DB_PASSWORD"] = "{v}"\n', 1),
    ('SETTINGS = {{\n    "db_password": "{v}",\n}}\n', 2),
    ('if password == "{v}":\n    pass\n', 1),
    ('class S(BaseSettings):\n    db_password: str = Field(default="{v}")\n', 2),
    ('PASSWORD = (\n    "{v}"\n)\n', 2),
])
def test_python_places_a_credential_is_bound_to_a_name(snippet, line):
    value = KEYS.make("generic")
    code = "import os\n" + snippet.format(v=value)
    findings = check_source(HardcodedCredential, code)
    assert [f.line for f in findings] == [line + 1]
    text_line = code.splitlines()[line]
    assert findings[0].column == text_line.index(value) + 1


def test_a_key_is_reported_once_at_the_line_of_the_literal(tmp_path):
    key = KEYS.make("openai")
    write_files(tmp_path, {"app.py": f'import os\n\napi_key = "{key}"\nOpenAI(api_key="{key}")\n'})
    _, findings = check_json(tmp_path, ".", "--select", "AIL5", "--no-cache")
    assert findings == [("app.py", 3, "AIL501"), ("app.py", 4, "AIL501")]


def test_notebook_keys_in_cells_and_outputs_point_at_the_raw_file():
    key, azure = KEYS.make("groq"), KEYS.make("azure")
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {},
            "source": ["import os\n", f'AZURE_OPENAI_KEY = "{azure}"\n'],
            "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"GROQ_API_KEY={key}\n"]}]}
    text = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    findings = all_findings({"nb.ipynb": text})
    lines = text.splitlines()
    got = [(f.code, f.line, f.column) for f in findings]
    expected = []
    for value, code in ((key, "AIL501"), (azure, "AIL502")):
        number = next(n for n, line in enumerate(lines, 1) if value in line)
        expected.append((code, number, lines[number - 1].index(value) + 1))
    assert sorted(got) == sorted(expected)


def test_redaction_covers_every_secret_on_the_line():
    a, b = KEYS.make("openai"), KEYS.make("anthropic")
    [first, second] = check_source(HardcodedProviderKey, f'KEYS = ["{a}", "{b}"]\n')
    assert first.redact == second.redact and len(first.redact) == 2


def test_private_keys_in_code_json_and_text():
    pem, escaped = KEYS.make("pem"), KEYS.make("pem-escaped")
    findings = all_findings({"keys.py": f'KEY = """\n{pem}\n"""\n', "sa.json": '{"private_key": "' + escaped + '"}\n'})
    assert [(f.path, f.line, f.code) for f in findings] == [("keys.py", 2, "AIL503"), ("sa.json", 1, "AIL503")]
    assert findings[1].redact and findings[1].redact[0][1] > len('{"private_key": "') + 64


def test_fingerprints_follow_the_secret_not_the_line(tmp_path):
    key = KEYS.make("openai")
    write_files(tmp_path, {"app.py": f'KEY = "{key}"\n'})
    before = json.loads(run_ailint(["check", ".", "--format", "json", "--no-cache"], tmp_path).stdout)["findings"]
    write_files(tmp_path, {"app.py": f'import os\n\n\nKEY = "{key}"\n'})
    moved = json.loads(run_ailint(["check", ".", "--format", "json", "--no-cache"], tmp_path).stdout)["findings"]
    write_files(tmp_path, {"app.py": f'import os\n\n\nKEY = "{KEYS.make("openai")}"\n'})
    rotated = json.loads(run_ailint(["check", ".", "--format", "json", "--no-cache"], tmp_path).stdout)["findings"]
    assert before[0]["fingerprint"] == moved[0]["fingerprint"] != rotated[0]["fingerprint"]


def test_fixture_paths_option_and_per_file_ignores_reach_the_rules(tmp_path):
    key, password = KEYS.make("openai"), KEYS.make("password")
    files = {"tests/fixtures/keys.py": f'KEY = "{key}"\npassword = "{password}"\n',
             "app/keys.py": f'KEY = "{key}"\n'}
    write_files(tmp_path, files)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ailint.options.AIL501]\nfixture-paths = ["tests/fixtures/**"]\n'
        '[tool.ailint.options.hardcoded-credential]\nfixture-paths = ["tests/fixtures/**"]\n')
    _, findings = check_json(tmp_path, ".", "--select", "AIL5", "--no-cache")
    assert findings == [("app/keys.py", 1, "AIL501")]
    (tmp_path / "pyproject.toml").write_text('[tool.ailint.per-file-ignores]\n"app/**" = ["AIL5"]\n')
    _, findings = check_json(tmp_path, ".", "--select", "AIL5", "--no-cache")
    assert {(path, code) for path, _, code in findings} == {("tests/fixtures/keys.py", "AIL501"),
                                                             ("tests/fixtures/keys.py", "AIL502")}


def test_files_without_a_candidate_are_not_parsed():
    from ailint.engine import _needle_in

    clean = b"x = compute(alpha, beta)\n" * 1000
    assert not any(_needle_in(rule, clean) for rule in (HardcodedProviderKey, HardcodedCredential,
                                                        PrivateKeyInRepository))


# -- tracked-env-file ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,template", [(".env", False), (".env.local", False), ("prod.env", False),
                                          (".env.example", True), (".env.sample", True), (".env.template", True),
                                          ("example.env", True), (".env.dist", True)])
def test_env_templates(name, template):
    assert is_template(name) is template


def test_an_ignored_env_file_named_on_the_command_line_is_not_flagged():
    files = {".gitignore": ".env\n", ".env": "OPENAI_API_KEY=x\n", "sub/.gitignore": "!.env\n", "sub/.env": "A=1\n"}
    findings = [f for f in check_files(TrackedEnvFile, files) if f.code == "AIL504"]
    assert [(f.path, f.line) for f in findings] == [("sub/.env", 1)]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_the_git_index_is_read_without_git(tmp_path, version):
    def git(*args):
        subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q")
    write_files(tmp_path, {".env": "OPENAI_API_KEY=x\n", "deep/nested/folder/with/a/long/name/prod.env": "A=1\n",
                           "app.py": "import os\n", "untracked.env": "B=2\n"})
    git("add", ".env", "app.py", "deep")
    (tmp_path / ".gitignore").write_text(".env\n")  # ignored after it was committed: still tracked
    git("update-index", "--index-version", version)
    if version == "3":
        git("add", "--intent-to-add", "untracked.env")  # sets the extended flag
    paths = tracked_paths(tmp_path / ".git")
    assert {".env", "app.py", "deep/nested/folder/with/a/long/name/prod.env"} <= paths
    _, findings = check_json(tmp_path, ".", "--select", "AIL504", "--no-cache")
    # .gitignore does not apply to tracked files: the walk finds the committed .env (and the
    # untracked, unignored ones), as it does when pre-commit names the file
    assert (".env", 1, "AIL504") in findings and ("untracked.env", 1, "AIL504") in findings
    _, findings = check_json(tmp_path, ".env", "--select", "AIL504", "--no-cache")
    assert findings == [(".env", 1, "AIL504")]
    proc = run_ailint(["check", ".env", "--select", "AIL504", "--no-cache"], tmp_path)
    assert "tracked by git" in proc.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_does_not_hide_tracked_files(tmp_path):
    def git(*args):
        subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q")
    flawed = "import requests\n\nrequests.get('https://example.com')\n"
    write_files(tmp_path, {"gen/tracked.py": flawed, "gen/untracked.py": flawed, "app.py": flawed,
                           "secret.py": flawed})
    git("add", "gen/tracked.py", "app.py", "secret.py")
    (tmp_path / ".gitignore").write_text("gen/\nsecret.py\n")
    _, findings = check_json(tmp_path, ".", "--select", "AIL102", "--no-cache")
    assert sorted(path for path, _, _ in findings) == ["app.py", "gen/tracked.py", "secret.py"]


# -- found by an audit with realistic files -------------------------------------------------

@pytest.mark.parametrize("path, text", [
    ("app.js", 'const token = localStorage.getItem("authToken");\n'),
    ("main.go", 'secret := viper.GetString("jwt.secret")\n'),
    ("svc.ts", 'const apiKey = configService.get<string>("OPENAI_API_KEY");\n'),
    ("README.md", "```java\nString clientSecret = credentials.getClientSecret();\n```\n"),
])
def test_code_in_text_files_is_not_a_credential(path, text):
    assert all_findings({path: text}) == []


@pytest.mark.parametrize("name", ["AZURE_OPENAI_KEY1", "AZURE_OPENAI_KEY_2", "OPENAI_API_KEY_PROD", "API_KEY_2"])
def test_numbered_and_per_environment_key_names_are_credentials(name):
    value = KEYS.make("azure")
    flagged = all_findings({"app.py": f'{name} = "{value}"\n', ".env.prod": f"{name}={value}\n"})
    assert sorted((f.path, f.code) for f in flagged) == [(".env.prod", "AIL502"), ("app.py", "AIL502")]


def test_sops_encrypted_values_are_meant_to_be_committed():
    data = KEYS.rand(56)
    encrypted = f"ENC[AES256_GCM,data:{data}=,iv:{KEYS.rand(43)}=,tag:{KEYS.rand(22)}==,type:str]"
    assert all_findings({"secrets.enc.yaml": f"openai_api_key: {encrypted}\n",
                         "secrets.enc.json": json.dumps({"OPENAI_API_KEY": encrypted}) + "\n"}) == []


def test_password_hashes_are_not_passwords():
    salt, digest = KEYS.rand(22), KEYS.rand(43)
    django = f"pbkdf2_sha256$600000${salt}${digest}="
    werkzeug = f"scrypt:32768:8:1${KEYS.rand(16)}${hashlib.sha512(KEYS.rand(16).encode()).hexdigest()}"
    assert all_findings({"users.py": f'hashed_password = "{django}"\n',
                         "fixture.json": json.dumps({"hashed_password": werkzeug}) + "\n"}) == []


def test_pgp_private_key_blocks_are_private_keys():
    body = "\n".join(KEYS.rand(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(8))
    kind = "PGP " + "PRIVATE KEY BLOCK"
    block = f"-----BEGIN {kind}-----\nVersion: GnuPG v1.4.11 (GNU/Linux)\n\n{body}\n=Ab12\n-----END {kind}-----\n"
    flagged = all_findings({"signing.asc": block})
    assert [(f.line, f.code) for f in flagged] == [(1, "AIL503")]


def test_a_provider_key_right_after_an_escaped_newline():
    key = KEYS.make("openai")
    flagged = all_findings({"notes.json": json.dumps({"note": f"rotated keys:\n{key}\n"}) + "\n"})
    assert [f.code for f in flagged] == ["AIL501"]


def test_a_bearer_token_in_a_one_line_workflow_command():
    token = KEYS.make("generic")
    workflow = ("on: push\njobs:\n  ping:\n    runs-on: ubuntu-latest\n    steps:\n"
                f"""      - run: 'curl -H "Authorization: Bearer {token}" https://api.example.com'\n""")
    flagged = all_findings({".github/workflows/ping.yml": workflow})
    assert [(f.line, f.code) for f in flagged] == [(6, "AIL502")]


def test_a_key_is_not_named_after_a_provider_it_does_not_fit():
    serp = KEYS.rand(64)
    env = f"AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/\nSERPAPI_API_KEY={serp}\n"
    flagged = all_findings({".env.prod": env})
    assert [f.code for f in flagged] == ["AIL502"]
    assert "Azure" not in flagged[0].message


def test_an_env_file_excluded_in_git_info_exclude_is_ignored(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".env").write_text("OPENAI_API_KEY=placeholder\n", encoding="utf-8")
    (tmp_path / ".git" / "info" / "exclude").write_text(".env\n", encoding="utf-8")
    proc = run_ailint(["check", "--no-cache", "--select", "AIL504", ".env"], tmp_path)
    assert "AIL504" not in proc.stdout, proc.stdout


@pytest.mark.parametrize("snippet", [
    'class S(BaseSettings):\n    api_key: str = Field("{v}", env="OPENAI_API_KEY")\n',
    'class C:\n    def __init__(self, api_key=None):\n        self.api_key = api_key or "{v}"\n',
    'import os\nclient = AzureOpenAI(api_key=os.getenv("AZURE_OPENAI_KEY", default="{v}"))\n',
])
def test_more_python_places_a_credential_is_bound(snippet):
    value = KEYS.make("generic")
    flagged = all_findings({"app.py": snippet.format(v=value)})
    assert [f.code for f in flagged] == ["AIL502"]


def test_falling_back_to_an_empty_or_placeholder_value_is_clean():
    assert all_findings({"app.py": 'import os\nkey = os.getenv("OPENAI_API_KEY") or ""\n'
                                   'token = os.getenv("HF_TOKEN", default="your-token-here")\n'
                                   'api_key = settings.api_key or "EMPTY"\n'}) == []


def test_dockerfile_env_continuation_lines():
    value = KEYS.make("azure")
    dockerfile = ("FROM python:3.12\nENV PYTHONUNBUFFERED=1 \\\n    # the Azure key\n"
                  f"    AZURE_OPENAI_API_KEY={value} \\\n    LOG_LEVEL=info\nRUN pip install app\n")
    flagged = all_findings({"Dockerfile": dockerfile})
    assert [(f.line, f.code) for f in flagged] == [(4, "AIL502")]
    assert all_findings({"Dockerfile": "FROM python:3.12\nENV A=1 \\\n    B=2\nRUN echo api_key=$KEY\n"}) == []


def test_a_literal_default_of_a_shell_interpolation_is_hardcoded():
    value = KEYS.make("azure")
    compose = ("services:\n  app:\n    environment:\n"
               f"      - AZURE_OPENAI_API_KEY=${{AZURE_OPENAI_API_KEY:-{value}}}\n"
               "      - OPENAI_API_KEY=${OPENAI_API_KEY:-}\n      - HF_TOKEN=${HF_TOKEN:-changeme}\n")
    flagged = all_findings({"docker-compose.yml": compose})
    assert [(f.line, f.code) for f in flagged] == [(4, "AIL502")]
    assert value not in flagged[0].message


def test_envrc_and_netrc_files_are_read():
    key, password = KEYS.make("openai"), KEYS.make("password")
    flagged = all_findings({".envrc": f"layout python\nexport OPENAI_API_KEY={key}\n",
                            ".netrc": f"machine api.example.com\n  login bot\n  password {password}\n"})
    assert [(f.path, f.line, f.code) for f in flagged] == [(".envrc", 2, "AIL501"), (".netrc", 3, "AIL502")]
    assert all_findings({".netrc": "machine api.example.com login bot password changeme\n"}) == []


def test_a_password_in_a_url_is_hardcoded_whatever_the_name():
    password = KEYS.make("password")
    files = {
        "prod.env": f"DATABASE_URL=postgresql://app:{password}@db.internal:5432/app\n",
        "settings.py": f'engine = create_engine("mysql+pymysql://svc:{password}@10.0.0.5/app")\n',
        "alembic.ini": f"[alembic]\nsqlalchemy.url = postgresql://app:{password}@db/app\n",
    }
    flagged = all_findings(files)
    assert sorted((f.path, f.line, f.code) for f in flagged) == [
        ("alembic.ini", 2, "AIL502"), ("prod.env", 1, "AIL502"), ("settings.py", 1, "AIL502")]
    assert all(password not in f.message for f in flagged)
    assert all_findings({"docs.md": "Connect with `postgresql://user:password@localhost/db` or "
                                    "`redis://:${REDIS_PASSWORD}@cache:6379`, see https://example.com/a@b\n"}) == []


@pytest.mark.parametrize("name", ["SUPABASE_KEY", "SUPABASE_SERVICE_ROLE_KEY", "KAGGLE_KEY", "TAVILY_KEY"])
def test_vendor_keys_named_after_the_vendor(name):
    flagged = all_findings({".env.prod": f"{name}={KEYS.make('generic')}\n"})
    assert [f.code for f in flagged] == ["AIL502"]


def test_sealed_secrets_are_meant_to_be_committed():
    sealed = "AgB" + KEYS.rand(300)
    manifest = ("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: llm\nspec:\n"
                f"  encryptedData:\n    OPENAI_API_KEY: {sealed}\n    DB_PASSWORD: {sealed}\n")
    assert all_findings({"k8s/sealed.yaml": manifest}) == []


@pytest.mark.parametrize("snippet", [
    'JWT_SECRET = "{v}".encode()\n',
    'API_KEYS = ["{v}", "{w}"]\n',
    'import argparse\np = argparse.ArgumentParser()\np.add_argument("--api-key", default="{v}")\n',
    'def auth(request):\n    if request.headers.get("X-API-Key") != "{v}":\n        raise PermissionError\n',
])
def test_still_more_python_places_a_credential_is_bound(snippet):
    flagged = all_findings({"app.py": snippet.format(v=KEYS.make("generic"), w=KEYS.make("generic"))})
    assert flagged and {f.code for f in flagged} == {"AIL502"}


def test_look_alikes_of_those_places_are_clean():
    assert all_findings({"app.py": 'NAMES = ["gpt-4o-mini", "claude-3-5-sonnet-latest"]\n'
                                   'API_KEYS = [os.environ["KEY_A"], ""]\n'
                                   'p.add_argument("--api-key", default=os.getenv("API_KEY"))\n'
                                   'if request.headers.get("X-API-Key") != settings.api_key:\n    pass\n'
                                   'label = "model-name".encode()\n'}) == []


# -- the Python pass skips statements without a credential word ------------------------------

_PRUNING_CASES = {
    "decorated.py": "@app.get('/x', api_key='Zq8vN2xR7tK4mP9wL3sD')\ndef handler():\n    return 1\n",
    "lone_cr.py": "x = 1\r\nclass C:\r    token = 'Zq8vN2xR7tK4mP9wL3sD'\r",
    "multiline.py": "settings = dict(\n    region='eu',\n    secret=(\n        'Zq8vN2xR7tK4mP9wL3sD'\n    ),\n)\n",
    "nested.py": "def f():\n    if True:\n        for _ in ():\n            pwd = 'Zq8v!N2xR7'\n    return 1\n",
    "long_s.py": "\u017fecret = 'Zq8vN2xR7tK4mP9wL3sD'\n",  # Python reads the name as "secret" (NFKC)
}


def _credential_pairs(source: str, hint_lines):
    import ast

    from ailint_rules.support import secret_hits, secrets

    tree = ast.parse(source)
    return [(name, ast.dump(node), context) for name, node, context in secret_hits._python_nodes(tree, hint_lines)
            if secrets.is_credential_name(name)]


def test_skipping_statements_without_a_credential_word_loses_no_pair():
    from ailint_rules.support.secret_hits import _hint_lines

    root = Path(__file__).resolve().parent.parent
    sources = dict(_PRUNING_CASES)
    for path in sorted((root / "fixtures").rglob("*.py")) + sorted((root / "ailint").rglob("*.py")):
        sources[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    compared = 0
    for name, source in sources.items():
        try:
            everything = _credential_pairs(source, None)
        except SyntaxError:
            continue
        assert _credential_pairs(source, _hint_lines(source)) == everything, name
        compared += bool(everything)
    assert compared >= 20
    for name in _PRUNING_CASES:
        assert _credential_pairs(_PRUNING_CASES[name], None), name

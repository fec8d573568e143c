"""Tests for the hardcoded-secret detection library.

No literal secret-shaped string appears in this file: every fake key is
assembled at run time from split prefixes and seeded random characters, and
GitHub checksums are computed here, independently of the library.
"""

from __future__ import annotations

import base64
import binascii
import random
import string
import uuid

import pytest

from ailint_rules.support import secrets

RNG = random.Random(20240601)
UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
LETTERS = UPPER + LOWER
ALNUM = LETTERS + DIGITS
TOKEN = ALNUM + "_-"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
ELLIPSIS = "\u2026"


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random string that contains no accidental placeholder / sequence."""
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(n))
        if not secrets.is_placeholder(value):
            return value


def base62(number: int) -> str:
    alphabet = DIGITS + UPPER + LOWER
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = alphabet[rest] + out
    return out.rjust(6, "0")


def github_token(kind: str = "p") -> str:
    body = rand(30)
    return "gh" + kind + "_" + body + base62(binascii.crc32(body.encode()))


OPENAI_MARK = "T3Blbk" + "FJ"
PEM_BEGIN, PEM_END = "-----BEGIN", "-----END"


def pem(label: str = "RSA", newline: str = "\n") -> str:
    body = base64.b64encode(bytes(RNG.getrandbits(8) for _ in range(600))).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    kind = (label + " " if label else "") + "PRIVATE" + " KEY-----"
    return newline.join([PEM_BEGIN + " " + kind] + lines + [PEM_END + " " + kind])


def aws_secret() -> str:
    while True:
        value = rand(40, B64)
        if any(c in value for c in "+/") and not value[0] in "+/":
            return value


AWS_ID = "AK" + "IA" + rand(16, UPPER + DIGITS)

# (format_id, fake value) for every structured format.
POSITIVE = [
    ("openai-api-key", "sk-" + "proj-" + rand(74, TOKEN) + OPENAI_MARK + rand(74, TOKEN)),
    ("openai-api-key", "sk-" + "proj-" + rand(58, TOKEN) + OPENAI_MARK + rand(58, TOKEN)),
    ("openai-api-key", "sk-" + "svcacct-" + rand(74, TOKEN) + OPENAI_MARK + rand(74, TOKEN)),
    ("openai-api-key", "sk-" + "admin-" + rand(58, TOKEN) + OPENAI_MARK + rand(58, TOKEN)),
    ("openai-api-key", "sk-" + rand(20) + OPENAI_MARK + rand(20)),
    ("anthropic-api-key", "sk-" + "ant-" + "api03-" + rand(93, TOKEN) + "AA"),
    ("anthropic-admin-api-key", "sk-" + "ant-" + "admin01-" + rand(93, TOKEN) + "AA"),
    ("google-api-key", "AI" + "za" + rand(35, TOKEN)),
    ("huggingface-access-token", "hf" + "_" + rand(34, LETTERS)),
    ("huggingface-org-api-token", "api_" + "org_" + rand(34, LETTERS)),
    ("groq-api-key", "gsk" + "_" + rand(52)),
    ("replicate-api-token", "r8" + "_" + rand(37)),
    ("together-api-key", "tgp_" + "v1_" + rand(43, TOKEN)),
    ("pinecone-api-key", "pcsk" + "_" + rand(5) + "_" + rand(63)),
    ("langsmith-api-key", "lsv2_" + "pt_" + rand(32, HEX) + "_" + rand(10, HEX)),
    ("langsmith-api-key", "lsv2_" + "sk_" + rand(32, HEX) + "_" + rand(10, HEX)),
    ("aws-access-key-id", AWS_ID),
    ("aws-access-key-id", "AS" + "IA" + rand(16, UPPER + DIGITS)),
    ("github-token", github_token("p")),
    ("github-token", github_token("o")),
    ("github-token", github_token("s")),
    ("github-token", github_token("u")),
    ("github-token", github_token("r")),
    ("github-fine-grained-pat", "github_" + "pat_" + rand(22) + "_" + rand(59)),
    ("slack-bot-token", "xo" + "xb-" + rand(12, DIGITS) + "-" + rand(13, DIGITS) + "-" + rand(24)),
    ("slack-user-token", "xo" + "xp-" + "-".join(rand(12, DIGITS) for _ in range(3)) + "-" + rand(32)),
    ("slack-workspace-token", "xo" + "xa-" + "2-" + rand(40)),
    ("slack-workspace-token", "xo" + "xr-" + rand(40)),
    ("slack-legacy-token", "xo" + "xs-" + "-".join(rand(10, DIGITS) for _ in range(3)) + "-" + rand(64, HEX)),
    ("slack-webhook-url", "https://hooks." + "slack.com/services/T" + rand(10, UPPER + DIGITS)
     + "/B" + rand(10, UPPER + DIGITS) + "/" + rand(24)),
    ("stripe-live-key", "sk_" + "live_" + rand(24)),
    ("stripe-live-key", "rk_" + "live_" + rand(99)),
    ("private-key", pem("RSA")),
    ("private-key", pem("OPENSSH")),
    ("private-key", pem("")),
    ("private-key", pem("EC", newline="\\n")),  # inside a Python string literal
]
POSITIVE_IDS = [f"{fid}-{i}" for i, (fid, _) in enumerate(POSITIVE)]


def embed(value: str) -> str:
    return 'import os\n\nclient = Client(api_key="' + value + '", timeout=10)\nprint(client)\n'


@pytest.mark.parametrize("format_id,value", POSITIVE, ids=POSITIVE_IDS)
def test_scan_text_finds_structured_secret(format_id, value):
    text = embed(value)
    matches = secrets.scan_text(text)
    assert [(m.format_id, m.value) for m in matches] == [(format_id, value)]
    match = matches[0]
    assert text[match.start:match.end] == value
    assert match.provider == {f.id: f.provider for f in secrets.SECRET_FORMATS}[format_id]


@pytest.mark.parametrize("format_id,value", POSITIVE, ids=POSITIVE_IDS)
def test_quick_candidate_true_for_structured_secret(format_id, value):
    assert secrets.quick_candidate(embed(value).encode())
    assert secrets.quick_candidate(value.encode())  # even without a credential name


# Formats with an exact length: a longer token must not match partially.
EXACT_LENGTH = [
    (fid, value) for fid, value in POSITIVE
    if fid in {
        "anthropic-api-key", "google-api-key", "huggingface-access-token", "groq-api-key",
        "replicate-api-token", "together-api-key", "langsmith-api-key", "aws-access-key-id",
        "github-token", "github-fine-grained-pat",
    }
]


@pytest.mark.parametrize("format_id,value", EXACT_LENGTH, ids=[f for f, _ in EXACT_LENGTH])
def test_longer_random_strings_do_not_match_partially(format_id, value):
    assert secrets.scan_text(embed(value + "x7")) == []
    assert secrets.scan_text(embed("Zq" + value)) == []


def _placeholder_lookalikes():
    marker = OPENAI_MARK
    yield "openai-dots", "sk-..."
    yield "openai-xxxx", "sk-xxxx"
    yield "openai-x-body", "sk-" + "proj-" + "x" * 74 + marker + "x" * 74
    yield "openai-no-marker", "sk-" + rand(48)
    yield "openai-legacy-short", "sk-" + rand(19) + marker + rand(20)
    yield "anthropic-short", "sk-" + "ant-" + "api03-" + rand(92, TOKEN) + "AA"
    yield "anthropic-no-AA", "sk-" + "ant-" + "api03-" + rand(95, LOWER)
    yield "anthropic-docs", "sk-" + "ant-" + "api03-..."
    yield "google-short", "AI" + "za" + rand(34)
    yield "google-xxx", "AI" + "zaSy" + "X" * 33
    yield "hf-short", "hf" + "_" + rand(33, LETTERS)
    yield "hf-digits", "hf" + "_" + rand(30, LETTERS) + "1234"
    yield "hf-xxx", "hf" + "_" + "x" * 34
    yield "hf-inside-word", "shelf" + "_" + rand(34, LETTERS)
    yield "groq-48", "gsk" + "_" + rand(48)
    yield "replicate-36", "r8" + "_" + rand(36)
    yield "together-42", "tgp_" + "v1_" + rand(42)
    yield "pinecone-no-secret", "pcsk" + "_" + rand(5)
    yield "langsmith-upper-hex", "lsv2_" + "pt_" + rand(32, HEX).upper() + "_" + rand(10, HEX).upper()
    yield "aws-docs-example", "AK" + "IA" + "IOSFODNN7" + "EXAMPLE"
    yield "aws-15", "AK" + "IA" + rand(15, UPPER + DIGITS)
    yield "aws-lower", "AK" + "IA" + rand(16, LOWER)
    yield "github-bad-checksum", _bad_checksum(github_token())
    yield "github-35", "gh" + "p_" + rand(35)
    yield "github-xxx", "gh" + "p_" + "x" * 36
    yield "github-pat-short", "github_" + "pat_" + rand(21) + "_" + rand(59)
    yield "slack-docs", "xo" + "xb-" + "..."
    yield "slack-short", "xo" + "xb-" + "123"
    yield "slack-webhook-docs", "https://hooks." + "slack.com/services/" + "T000/B000/XXXX"
    yield "stripe-test", "sk_" + "test_" + rand(24)
    yield "stripe-publishable", "pk_" + "live_" + rand(24)
    yield "stripe-short", "sk_" + "live_" + rand(12)
    yield "pem-header-only", PEM_BEGIN + " PRIVATE" + " KEY-----"
    yield "pem-dots", PEM_BEGIN + " PRIVATE" + " KEY-----\n...\n" + PEM_END + " PRIVATE" + " KEY-----"
    yield "pem-angle", PEM_BEGIN + " RSA PRIVATE" + " KEY-----\n<your key here, base64 encoded, " \
        "sixty-four characters or more of it>\n" + PEM_END + " RSA PRIVATE" + " KEY-----"
    yield "git-sha", rand(40, HEX)
    yield "sha256", rand(64, HEX)
    yield "uuid", str(uuid.UUID(int=RNG.getrandbits(128)))
    yield "env-interp", "${OPENAI_API_KEY}"
    yield "litellm-env", "os.environ/OPENAI_API_KEY"
    yield "random-40-no-context", aws_secret()


def _bad_checksum(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


NEGATIVE = list(_placeholder_lookalikes())


@pytest.mark.parametrize("value", [v for _, v in NEGATIVE], ids=[n for n, _ in NEGATIVE])
def test_scan_text_ignores_lookalikes(value):
    assert secrets.scan_text(embed(value)) == []


def test_github_checksum_rejects_random_lookalikes():
    valid = [github_token(kind) for kind in "pousr"]
    assert all(secrets.github_checksum_ok(token) for token in valid)
    lookalikes = ["gh" + RNG.choice("pousr") + "_" + rand(36) for _ in range(2000)]
    assert not any(secrets.github_checksum_ok(token) for token in lookalikes)


# --------------------------------------------------------------------------
# AWS secret access keys need a name or a nearby key id
# --------------------------------------------------------------------------

AWS_SECRET = aws_secret()


@pytest.mark.parametrize("text", [
    'aws_secret_access_key = "' + AWS_SECRET + '"\n',
    "AWS_SECRET_ACCESS_KEY=" + AWS_SECRET + "\n",
    '{"SecretAccessKey": "' + AWS_SECRET + '"}',
    "boto3.client('s3', aws_secret_key='" + AWS_SECRET + "')",
    "creds = ('" + "AS" + "IA" + rand(16, UPPER + DIGITS) + "',\n         '" + AWS_SECRET + "')",
], ids=["ini", "env", "json", "kwarg", "near-key-id"])
def test_aws_secret_access_key_flagged_with_context(text):
    found = [m for m in secrets.scan_text(text) if m.format_id == "aws-secret-access-key"]
    assert [m.value for m in found] == [AWS_SECRET]
    assert secrets.quick_candidate(text.encode())


@pytest.mark.parametrize("text", [
    "checksum = '" + AWS_SECRET + "'\n",
    'aws_secret_access_key = "' + rand(40, HEX) + '"\n',
    'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY"\n',
    'SECRET_KEY = "' + AWS_SECRET + '"\n',
], ids=["no-name", "hex-hash", "docs-example", "not-aws-name"])
def test_aws_secret_access_key_needs_context(text):
    assert [m for m in secrets.scan_text(text) if m.format_id == "aws-secret-access-key"] == []


# --------------------------------------------------------------------------
# contextual_secret
# --------------------------------------------------------------------------

HEX32 = rand(32, HEX)
ALNUM40 = rand(40)
ALNUM32 = rand(32)
GENERIC = rand(48, ALNUM + "-_.")

CONTEXTUAL_POSITIVE = [
    ("AZURE_OPENAI_API_KEY", HEX32, "", "azure-openai-api-key"),
    ("api_key", HEX32, 'AzureOpenAI(azure_endpoint="https://res.openai.azure.com/")', "azure-openai-api-key"),
    ("CO_API_KEY", ALNUM40, "", "cohere-api-key"),
    ("api_key", ALNUM40, "import cohere\nco = cohere.ClientV2(", "cohere-api-key"),
    ("MISTRAL_API_KEY", ALNUM32, "", "mistral-api-key"),
    ("api_key", ALNUM32, "from mistralai import Mistral", "mistral-api-key"),
    ("api_key", GENERIC, "", "generic-api-key"),
    ("OPENAI_API_KEY", GENERIC, "", "generic-api-key"),
    ("client_secret", rand(40, ALNUM + "~._-"), "", "generic-api-key"),
    ("SECRET_KEY", rand(50, ALNUM + "!@#%^&*(-_=+)"), "", "generic-api-key"),
    ("x-api-key", rand(36), "", "generic-api-key"),
    ("accessToken", rand(32), "", "generic-api-key"),
    ("HF_TOKEN", "hf" + "_" + rand(34, LETTERS), "", "huggingface-access-token"),
    ("openai.api_key", "sk-" + "proj-" + rand(74, TOKEN) + OPENAI_MARK + rand(74, TOKEN), "", "openai-api-key"),
    ("password", "Tr0ub4dor&3" + rand(2), "", "generic-password"),
    ("DB_PASSWORD", rand(16, ALNUM + "!#$%"), "", "generic-password"),
    ("PGPASSWORD", "S3cure!" + rand(6), "", "generic-password"),
    ("passphrase", "Correct-Horse-42-" + rand(4), "", "generic-password"),
]
CONTEXTUAL_POSITIVE_IDS = [f"{n}-{fid}" for n, _, _, fid in CONTEXTUAL_POSITIVE]


@pytest.mark.parametrize("name,value,context,format_id", CONTEXTUAL_POSITIVE, ids=CONTEXTUAL_POSITIVE_IDS)
def test_contextual_secret_flags(name, value, context, format_id):
    match = secrets.contextual_secret(name, value, context)
    assert match is not None
    assert (match.format_id, match.start, match.end, match.value) == (format_id, 0, len(value), value)
    assert secrets.quick_candidate((name + ' = "' + value + '"').encode())


def test_contextual_secret_strips_auth_scheme():
    token = rand(40)
    match = secrets.contextual_secret("Authorization", "Bearer " + token)
    assert match is not None
    assert (match.format_id, match.start, match.end, match.value) == ("generic-api-key", 7, 47, token)


NOT_CREDENTIAL_NAMES = [
    "max_tokens", "cache_key", "api_key_env", "key", "tokenizer", "secret_name", "user_id",
    "model", "password_hash", "next_token", "OPENAI_API_KEY_PATH", "public_key", "primary_key",
    "token_count",
]


@pytest.mark.parametrize("name", NOT_CREDENTIAL_NAMES)
def test_contextual_secret_ignores_non_credential_names(name):
    assert secrets.contextual_secret(name, rand(40)) is None


PLACEHOLDERS = [
    "sk-...", "sk-xxxx", "YOUR_API_KEY", "<your-key>", "your-api-key-here", "changeme",
    "x" * 32, "X" * 40, "*" * 16, "EXAMPLE", "example-key-12345678", "dummy-api-key-value",
    "test-key-" + rand(12), "fake_secret_token_" + rand(8), "placeholder", "redacted", "REDACTED",
    "none", "None", "null", "TODO", "a" * 20, "1234567890abcdef1234567890abcdef",
    "abcdefghijklmnop", "${OPENAI_API_KEY}", "$OPENAI_API_KEY", "os.environ/OPENAI_API_KEY",
    "{{ secrets.OPENAI_API_KEY }}", '{{ env "OPENAI_API_KEY" }}', "%(api_key)s",
    "prefix-${API_TOKEN}-suffix", "",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_is_placeholder(value):
    assert secrets.is_placeholder(value)


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_contextual_secret_ignores_placeholders(value):
    assert secrets.contextual_secret("OPENAI_API_KEY", value) is None
    assert secrets.contextual_secret("password", value) is None


@pytest.mark.parametrize("format_id,value", POSITIVE, ids=POSITIVE_IDS)
def test_real_shaped_values_are_not_placeholders(format_id, value):
    if format_id != "private-key":  # PEM bodies are judged by their own validator
        assert not secrets.is_placeholder(value)


CLEAN_VALUES = [
    ("git-sha", rand(40, HEX)),
    ("sha256", rand(64, HEX)),
    ("uuid", str(uuid.UUID(int=RNG.getrandbits(128)))),
    ("abs-path", "/etc/secrets/api_key.txt"),
    ("rel-path", "config/keys/service_account.json"),
    ("url", "https://api.openai.com/v1"),
    ("short", "Ab3" + rand(5)),
    ("model-name", "gpt-4o-mini-2024-07-18"),
    ("words", "this_is_not_a_real_value"),
    ("bearer-env", "Bearer ${TOKEN}"),
    ("sentence", "enter the key in settings"),
    ("bcrypt", "$" + "2b$12$" + rand(53, ALNUM + "./")),
]


@pytest.mark.parametrize("value", [v for _, v in CLEAN_VALUES], ids=[n for n, _ in CLEAN_VALUES])
def test_contextual_secret_ignores_hashes_paths_and_urls(value):
    assert secrets.contextual_secret("api_key", value) is None
    assert secrets.contextual_secret("client_secret", value) is None


def test_hash_shapes_are_excluded_unless_provider_uses_that_shape():
    sha = rand(40, HEX)
    assert secrets.contextual_secret("AZURE_OPENAI_API_KEY", sha) is None
    assert secrets.contextual_secret("AZURE_OPENAI_API_KEY", HEX32).format_id == "azure-openai-api-key"
    assert secrets.contextual_secret("api_key", str(uuid.UUID(int=RNG.getrandbits(128)))) is None


@pytest.mark.parametrize("value", ["password", "hunter2", "letmein1", "PASSWORD2024", "Ab1!"])
def test_weak_or_single_class_passwords_are_not_flagged(value):
    assert secrets.contextual_secret("password", value) is None


def test_url_with_password_is_not_treated_as_plain_url():
    assert not secrets.looks_like_path_or_url("postgres://user:" + rand(12) + "@db:5432/app")
    assert secrets.looks_like_path_or_url("https://user@example.org/path")


# --------------------------------------------------------------------------
# mask and fingerprint
# --------------------------------------------------------------------------

MASK_VALUES = [v for _, v in POSITIVE] + [v for _, v, _, _ in CONTEXTUAL_POSITIVE]


@pytest.mark.parametrize("value", MASK_VALUES, ids=[f"mask-{i}" for i in range(len(MASK_VALUES))])
def test_mask_reveals_at_most_30_percent(value):
    masked = secrets.mask(value)
    assert masked != value and value not in masked
    assert masked.count(ELLIPSIS) == 1
    head, tail = masked.split(ELLIPSIS)
    assert value.startswith(head) and value.endswith(tail)
    assert len(head) <= 8 and len(tail) <= 3
    assert len(head) + len(tail) <= 0.3 * len(value)


def test_mask_examples():
    proj = "sk-" + "proj-" + rand(74, TOKEN) + OPENAI_MARK + rand(74, TOKEN)
    assert secrets.mask(proj) == "sk-proj-" + ELLIPSIS + proj[-3:]
    assert secrets.mask(AWS_ID) == "AKIA" + ELLIPSIS + AWS_ID[-2:]
    assert secrets.mask(rand(20)).startswith(ELLIPSIS)
    assert secrets.mask("Tr0ub4dor&3") == ELLIPSIS
    assert secrets.mask("") == ELLIPSIS


def test_fingerprint_is_stable_and_short():
    value = rand(40)
    assert secrets.fingerprint(value) == secrets.fingerprint(value)
    assert len(secrets.fingerprint(value)) == 16
    assert all(c in HEX for c in secrets.fingerprint(value))
    assert secrets.fingerprint(value) != secrets.fingerprint(value + "x")


# --------------------------------------------------------------------------
# The table and the prefilter
# --------------------------------------------------------------------------


def test_format_table_is_complete():
    ids = [fmt.id for fmt in secrets.SECRET_FORMATS]
    assert len(ids) == len(set(ids))
    for fmt in secrets.SECRET_FORMATS:
        assert fmt.reference and fmt.keywords and fmt.provider and fmt.description


@pytest.mark.parametrize("format_id,value", POSITIVE, ids=POSITIVE_IDS)
def test_every_match_contains_one_of_its_keywords(format_id, value):
    keywords = {f.id: f.keywords for f in secrets.SECRET_FORMATS}[format_id]
    assert any(keyword in value for keyword in keywords)


def test_quick_candidate_false_for_plain_code():
    source = b"import math\n\n\ndef area(r):\n    return math.pi * r * r\n" * 200
    assert not secrets.quick_candidate(source)
    assert secrets.scan_text(source.decode()) == []


def test_scan_text_reports_several_secrets_in_order():
    first, second = github_token(), "hf" + "_" + rand(34, LETTERS)
    text = "a = '" + first + "'\nb = '" + second + "'\n"
    matches = secrets.scan_text(text)
    assert [m.value for m in matches] == [first, second]
    assert matches[0].start < matches[1].start

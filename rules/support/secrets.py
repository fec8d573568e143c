"""Detection library for hardcoded secrets (pure functions, no linter integration).

Two kinds of detection:

* ``scan_text`` finds provider tokens that carry a recognisable shape (prefix,
  marker or checksum) anywhere in a text.  Each shape is one entry of the
  ``SECRET_FORMATS`` table, with the public rule set it was checked against.
* ``contextual_secret`` judges a single ``name = value`` pair where the value
  has no prefix (Azure OpenAI, Cohere, Mistral, generic keys and passwords):
  the name must say "credential", the value must look random enough and must
  not be a placeholder, an environment interpolation, a hash or a path.

``quick_candidate`` is a byte-level prefilter that is True for every text in
which ``scan_text`` could find something and for every text containing a name
``contextual_secret`` could accept.

Callers must never print ``SecretMatch.value``; use ``mask`` or ``fingerprint``.
"""

from __future__ import annotations

import binascii
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Pattern, Tuple

__all__ = [
    "SecretFormat",
    "SecretMatch",
    "SECRET_FORMATS",
    "contextual_secret",
    "fingerprint",
    "github_checksum_ok",
    "has_provider_shape",
    "is_placeholder",
    "looks_like_hash_or_id",
    "looks_like_path_or_url",
    "mask",
    "quick_candidate",
    "scan_text",
    "shannon_entropy",
]


# --------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretFormat:
    """One recognisable token shape.

    ``regex`` matches the secret itself (or, when it has a ``secret`` named
    group, a context whose ``secret`` group is the secret).  ``keywords`` are
    case-sensitive literals of which every match contains at least one; they
    gate the regex in ``scan_text`` and feed ``quick_candidate``.
    """

    id: str
    provider: str
    description: str
    regex: str
    validator: Optional[Callable[[str], bool]] = None
    reference: str = ""
    keywords: Tuple[str, ...] = ()


@dataclass(frozen=True)
class SecretMatch:
    format_id: str  # e.g. "openai-api-key", "generic-api-key"
    provider: str  # human name, e.g. "OpenAI"
    start: int  # offset in the scanned text
    end: int
    value: str  # the raw secret (callers must never print it)


# --------------------------------------------------------------------------
# Small value metrics
# --------------------------------------------------------------------------


def shannon_entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    size = len(value)
    return -sum((n / size) * math.log2(n / size) for n in Counter(value).values())


def _char_classes(value: str) -> int:
    """How many of lower / upper / digit / other occur in value."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


# --------------------------------------------------------------------------
# Placeholders, interpolations, hashes, paths
# --------------------------------------------------------------------------

# Substrings that mark a value as an example, anywhere (case-insensitive).
_PLACEHOLDER_SUBSTRINGS = (
    "example", "placeholder", "redacted", "changeme", "change_me", "change-me",
    "dummy", "your", "insert", "replace", "sample", "xxxx", "****", "...",
    "\u2026", "qwerty", "asdf", "lorem",
)
# Whole alphanumeric tokens (value split on non-alphanumerics) that mark it.
_PLACEHOLDER_TOKENS = frozenset({
    "none", "null", "nil", "undefined", "todo", "tbd", "fixme",
    "true", "false", "empty", "secret", "password", "token", "key", "apikey",
})
# Token starts that mark it ("test", "testkey123", "fake_...", "mock").
_PLACEHOLDER_TOKEN_STARTS = ("test", "fake", "mock")

_INTERPOLATION_RES = (
    re.compile(r"\$\{[^}]*\}"),  # ${OPENAI_API_KEY}, ${{ secrets.X }}
    re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*$"),  # $OPENAI_API_KEY
    re.compile(r"\{\{.*?\}\}", re.S),  # {{ secrets.X }}, {{ env "X" }}
    re.compile(r"%\([A-Za-z_][A-Za-z0-9_.]*\)[sdr]"),  # %(X)s
    re.compile(r"^%[A-Za-z_][A-Za-z0-9_]*%$"),  # %X% (Windows)
    re.compile(r"^@[A-Za-z_][A-Za-z0-9_]*@$"),  # @X@ (autoconf)
    re.compile(r"^\{[A-Za-z_][A-Za-z0-9_]*\}$"),  # {api_key} (str.format)
    re.compile(r"^(?:os\.environ|os\.getenv|env|environ|secret|vault)[/:.\[(]", re.I),
)

_SEQUENCE = "0123456789abcdefghijklmnopqrstuvwxyz"
_SEQUENTIAL_RUN = 6
_REPEATED_RUN = 6


def _is_interpolation(value: str) -> bool:
    return any(rx.search(value) for rx in _INTERPOLATION_RES)


def _has_placeholder_marker(value: str) -> bool:
    lowered = value.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_SUBSTRINGS):
        return True
    if lowered in ("n/a", "na", "-") or (lowered.startswith("<") and lowered.endswith(">")):
        return True
    tokens = re.split(r"[^a-z0-9]+", lowered)
    return any(
        token in _PLACEHOLDER_TOKENS or token.startswith(_PLACEHOLDER_TOKEN_STARTS)
        for token in tokens
    )


def _is_repetitive(value: str) -> bool:
    """Few distinct characters, or one character repeated many times in a row."""
    if len(value) >= 8 and len(set(value)) <= 3:
        return True
    run = 1
    for previous, current in zip(value, value[1:]):
        run = run + 1 if current == previous else 1
        if run >= _REPEATED_RUN:
            return True
    return False


def _has_sequential_run(value: str) -> bool:
    """An ascending or descending run like 123456, abcdef or 6789ab."""
    positions = [_SEQUENCE.find(c) for c in value.lower()]
    up = down = 1
    for previous, current in zip(positions, positions[1:]):
        linked = previous >= 0 and current >= 0
        up = up + 1 if linked and current == previous + 1 else 1
        down = down + 1 if linked and current == previous - 1 else 1
        if up >= _SEQUENTIAL_RUN or down >= _SEQUENTIAL_RUN:
            return True
    return False


_ENCRYPTED_RE = re.compile(r"^ENC\[[A-Z0-9_]+,data:")  # SOPS: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]


def is_placeholder(value: str) -> bool:
    """True for documentation placeholders, environment interpolations and encrypted values.

    Covers ``sk-...``, ``YOUR_API_KEY``, ``<your-key>``, ``changeme``,
    ``xxxx``, ``****``, ``EXAMPLE``, ``dummy``/``test``/``fake`` values,
    ``none``/``null``/``TODO``, repeated or sequential characters, and
    ``${X}``, ``$X``, ``os.environ/X``, ``{{ secrets.X }}``, ``%(X)s`` ...
    """
    stripped = value.strip()
    if not stripped:
        return True
    return (
        _is_interpolation(stripped)
        or _ENCRYPTED_RE.match(stripped) is not None
        or _has_placeholder_marker(stripped)
        or _is_repetitive(stripped)
        or _has_sequential_run(stripped)
    )


_HASH_OR_ID_RE = re.compile(
    r"^(?:\$(?:2[abxy]?|argon2(?:id|i|d)|[156])\$.*"  # bcrypt, argon2, crypt(3)
    r"|(?:pbkdf2_sha(?:1|256|512)|bcrypt_sha256|argon2|scrypt)\$.*"  # Django password hashers
    r"|(?:pbkdf2:sha(?:1|256|512)(?::\d+)?|scrypt(?::\d+){3})\$.*"  # werkzeug generate_password_hash
    r"|(?:(?:sha1|sha256|sha512|md5)[:=-])?"
    r"(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}))$"
)
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<authority>[^/?#]*)")
_PATH_START_RE = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:[\\/])")
_RELATIVE_FILE_RE = re.compile(r"^[\w.-]+(?:[\\/][\w.-]+)+\.[A-Za-z0-9]{1,5}$")


def looks_like_hash_or_id(value: str) -> bool:
    """Git SHA (40 hex), sha256 (64 hex), sha512, or a UUID."""
    return _HASH_OR_ID_RE.match(value) is not None


def looks_like_path_or_url(value: str) -> bool:
    """A file path, or a URL that carries no password."""
    url = _URL_RE.match(value)
    if url:
        authority = url.group("authority")
        userinfo = authority.rsplit("@", 1)[0] if "@" in authority else ""
        return ":" not in userinfo
    return bool(_PATH_START_RE.match(value) or _RELATIVE_FILE_RE.match(value))


def _looks_random(value: str) -> bool:
    """Default validator for prefixed formats: no placeholder, some entropy."""
    return not is_placeholder(value) and shannon_entropy(value) >= 3.0


# --------------------------------------------------------------------------
# Format-specific validators
# --------------------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum_ok(token: str) -> bool:
    """Check the CRC32 checksum of a classic GitHub token (ghp_/gho_/ghs_/ghu_/ghr_).

    Token = 4-char prefix + 30 random base62 chars + 6-char checksum, where the
    checksum is CRC32 (zlib) of the 30 random chars, base62-encoded
    (0-9A-Za-z) and left-padded with "0".
    """
    if len(token) != 40:
        return False
    body, checksum = token[4:34], token[34:]
    return _base62(binascii.crc32(body.encode("ascii")), 6) == checksum


def _aws_secret_ok(value: str) -> bool:
    """40 base64 chars that look random (not a hex hash, not an example)."""
    return (
        not is_placeholder(value)
        and not re.fullmatch(r"[0-9a-fA-F]+", value)
        and _char_classes(value) >= 3
        and shannon_entropy(value) >= 4.0
    )


_PEM_BASE64_RE = re.compile(r"[A-Za-z0-9+/=]")
_PEM_HEADER_LINE_RE = re.compile(r"^[A-Za-z-]+:.*$", re.M)


def _pem_body_ok(block: str) -> bool:
    """The block has a real base64 body (>= 64 chars), not "..." or "<key>"."""
    body = block.split("-----", 2)[-1].rsplit("-----END", 1)[0]
    if any(marker in body for marker in ("...", "\u2026", "<", "xxxxxxxx", "XXXXXXXX")):
        return False
    body = _PEM_HEADER_LINE_RE.sub("", body.replace("\\n", "\n"))
    payload = "".join(_PEM_BASE64_RE.findall(body))
    return len(payload) >= 64 and shannon_entropy(payload) >= 4.5


# --------------------------------------------------------------------------
# The format table
# --------------------------------------------------------------------------


def _not_followed_by(chars: str) -> str:
    return "(?![" + chars + "])"


_ALNUM = "A-Za-z0-9"
_TOKEN_CHARS = "A-Za-z0-9_-"
_B64 = "A-Za-z0-9+/"

_GITLEAKS = "https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml"
_TRUFFLEHOG = "https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/"

# Names that say "this is an AWS secret access key" (secret_access_key,
# SecretAccessKey, AWS_SECRET_KEY ...).  The match starts at "ecret"/"ECRET"
# (the "s" is checked by look-behind) so every match contains a keyword.
_AWS_SECRET_NAME = (
    r"(?:(?:ecret|ECRET)[_-]?(?:access|Access|ACCESS)[_-]?(?:key|Key|KEY)"
    r"|(?:(?<=aws_s)|(?<=AWS_S)|(?<=aws-s)|(?<=awsS)|(?<=AwsS))(?:ecret|ECRET)[_-]?(?:key|Key|KEY))"
)
_ASSIGN = r"""[A-Za-z0-9_]{0,20}["'`]?\s{0,5}(?:=>|:=|=|:)\s{0,5}(?:[rbuRBU]{0,2}["'`])?"""

SECRET_FORMATS: Tuple[SecretFormat, ...] = (
    SecretFormat(
        "openai-api-key", "OpenAI",
        "OpenAI API key (project, service-account, admin or legacy user key)",
        r"sk-(?:(?:proj|svcacct|service|admin)-[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160}"
        r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (openai-api-key); " + _TRUFFLEHOG + "openai/openai.go",
        keywords=("T3BlbkFJ",),
    ),
    SecretFormat(
        "anthropic-api-key", "Anthropic",
        "Anthropic API key",
        r"sk-ant-api03-[A-Za-z0-9_-]{93}AA" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (anthropic-api-key); " + _TRUFFLEHOG + "anthropic/anthropic.go",
        keywords=("sk-ant-api03-",),
    ),
    SecretFormat(
        "anthropic-admin-api-key", "Anthropic",
        "Anthropic Admin API key",
        r"sk-ant-admin01-[A-Za-z0-9_-]{93}AA" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (anthropic-admin-api-key)",
        keywords=("sk-ant-admin01-",),
    ),
    SecretFormat(
        "google-api-key", "Google",
        "Google / GCP API key (also used by Gemini)",
        r"AIza[0-9A-Za-z_-]{35}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (gcp-api-key)",
        keywords=("AIza",),
    ),
    SecretFormat(
        "huggingface-access-token", "Hugging Face",
        "Hugging Face user access token",
        r"hf_[A-Za-z]{34}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (huggingface-access-token); " + _TRUFFLEHOG + "huggingface/huggingface.go",
        keywords=("hf_",),
    ),
    SecretFormat(
        "huggingface-org-api-token", "Hugging Face",
        "Hugging Face organization API token",
        r"api_org_[A-Za-z]{34}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (huggingface-organization-api-token)",
        keywords=("api_org_",),
    ),
    SecretFormat(
        "groq-api-key", "Groq",
        "Groq API key (gsk_ + 52 alphanumerics)",
        r"gsk_[A-Za-z0-9]{52}" + _not_followed_by(_TOKEN_CHARS),
        reference=_TRUFFLEHOG + "groq/groq.go",
        keywords=("gsk_",),
    ),
    SecretFormat(
        "replicate-api-token", "Replicate",
        "Replicate API token (r8_ + 37 chars, 40 in total)",
        r"r8_[A-Za-z0-9_-]{37}" + _not_followed_by(_TOKEN_CHARS),
        reference=_TRUFFLEHOG + "replicate/replicate.go",
        keywords=("r8_",),
    ),
    SecretFormat(
        "together-api-key", "Together AI",
        "Together AI API key (tgp_v1_ + 43 chars)",
        r"tgp_v1_[A-Za-z0-9_-]{43}" + _not_followed_by(_TOKEN_CHARS),
        reference=_TRUFFLEHOG + "togetherai/togetherai.go",
        keywords=("tgp_v1_",),
    ),
    SecretFormat(
        "pinecone-api-key", "Pinecone",
        "Pinecone API key (pcsk_<key id>_<secret>)",
        r"pcsk_[A-Za-z0-9]{4,10}_[A-Za-z0-9]{40,90}" + _not_followed_by(_TOKEN_CHARS),
        reference=_TRUFFLEHOG + "pinecone/pinecone.go",
        keywords=("pcsk_",),
    ),
    SecretFormat(
        "langsmith-api-key", "LangSmith",
        "LangSmith personal access token or service key",
        r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}" + _not_followed_by(_TOKEN_CHARS),
        reference=_TRUFFLEHOG + "langsmith/langsmith.go",
        keywords=("lsv2_pt_", "lsv2_sk_"),
    ),
    SecretFormat(
        "aws-access-key-id", "AWS",
        "AWS access key id (long-term AKIA, temporary ASIA, ABIA, ACCA)",
        r"A(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}" + _not_followed_by(_ALNUM),
        reference=_GITLEAKS + " (aws-access-token); " + _TRUFFLEHOG + "aws/access_keys/accesskey.go; "
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids",
        keywords=("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    SecretFormat(
        "aws-secret-access-key", "AWS",
        "AWS secret access key assigned to an aws_secret_access_key-like name",
        _AWS_SECRET_NAME + _ASSIGN + r"(?P<secret>[A-Za-z0-9/+]{40})" + _not_followed_by(_B64 + "="),
        validator=_aws_secret_ok,
        reference=_TRUFFLEHOG + "aws/common.go (SecretPat, entropy)",
        keywords=(
            "ecret_access_key", "ECRET_ACCESS_KEY", "ecretAccessKey", "ecret-access-key",
            "ecret_key", "ECRET_KEY", "ecretKey", "ecret-key",
        ),
    ),
    SecretFormat(
        "github-token", "GitHub",
        "GitHub personal/OAuth/app/refresh token with valid CRC32 checksum",
        r"gh[pousr]_[A-Za-z0-9]{36}" + _not_followed_by(_TOKEN_CHARS),
        validator=github_checksum_ok,
        reference="https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/; "
        + _GITLEAKS + " (github-pat, github-oauth, github-app-token, github-refresh-token)",
        keywords=("ghp_", "gho_", "ghs_", "ghu_", "ghr_"),
    ),
    SecretFormat(
        "github-fine-grained-pat", "GitHub",
        "GitHub fine-grained personal access token",
        r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (github-fine-grained-pat); " + _TRUFFLEHOG + "github/v2/github.go",
        keywords=("github_pat_",),
    ),
    SecretFormat(
        "slack-bot-token", "Slack",
        "Slack bot token (xoxb-)",
        r"xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-[A-Za-z0-9]{18,34}|[A-Za-z0-9]{18,26})"
        + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (slack-bot-token, slack-legacy-bot-token)",
        keywords=("xoxb-",),
    ),
    SecretFormat(
        "slack-user-token", "Slack",
        "Slack user token (xoxp-)",
        r"xoxp(?:-[0-9]{8,14}){3}-[A-Za-z0-9]{28,34}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (slack-user-token)",
        keywords=("xoxp-",),
    ),
    SecretFormat(
        "slack-workspace-token", "Slack",
        "Slack legacy workspace / refresh token (xoxa-, xoxr-)",
        r"xox[ar]-(?:[0-9]-)?[A-Za-z0-9]{8,48}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (slack-legacy-workspace-token)",
        keywords=("xoxa-", "xoxr-"),
    ),
    SecretFormat(
        "slack-legacy-token", "Slack",
        "Slack legacy token (xoxs-, xoxo-)",
        r"xox[os]-[0-9]{1,16}-[0-9]{1,16}-[0-9]{1,16}-[A-Fa-f0-9]{8,80}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (slack-legacy-token)",
        keywords=("xoxs-", "xoxo-"),
    ),
    SecretFormat(
        "slack-webhook-url", "Slack",
        "Slack incoming webhook / workflow URL",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}"
        + _not_followed_by(_B64),
        reference=_GITLEAKS + " (slack-webhook-url); " + _TRUFFLEHOG + "slackwebhook/slackwebhook.go",
        keywords=("hooks.slack.com",),
    ),
    SecretFormat(
        "stripe-live-key", "Stripe",
        "Stripe live secret or restricted key (test keys are not findings)",
        r"[sr]k_live_[A-Za-z0-9]{20,247}" + _not_followed_by(_TOKEN_CHARS),
        reference=_GITLEAKS + " (stripe-access-token); " + _TRUFFLEHOG + "stripe/stripe.go",
        keywords=("k_live_",),
    ),
    SecretFormat(
        "private-key", "PEM",
        "PEM private key block with a body",
        r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
        r"""[A-Za-z0-9+/=\s:,.()\\"'-]{64,20000}?"""  # () for PGP armor headers: Version: GnuPG v2 (GNU/Linux)
        r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
        validator=_pem_body_ok,
        reference=_GITLEAKS + " (private-key)",
        keywords=("PRIVATE KEY",),  # also PGP's "PRIVATE KEY BLOCK-----"
    ),
)

_COMPILED: Tuple[Tuple[SecretFormat, Pattern[str]], ...] = tuple(
    (fmt, re.compile(fmt.regex)) for fmt in SECRET_FORMATS
)
_FORMATS_BY_ID = {fmt.id: fmt for fmt in SECRET_FORMATS}

# A secret must not continue a longer token on its left either.
_LEFT_GUARD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/")


# --------------------------------------------------------------------------
# scan_text
# --------------------------------------------------------------------------


def _secret_span(match: "re.Match[str]") -> Tuple[int, int]:
    if "secret" in match.re.groupindex:
        return match.span("secret")
    return match.span()


def _left_boundary_ok(text: str, start: int) -> bool:
    """Nothing token-like just before: a start of text, a separator, or an escape sequence
    (`\\n`, `\\t`, `\\r` in JSON strings and code) whose letter is not part of the secret."""
    if start == 0 or text[start - 1] not in _LEFT_GUARD:
        return True
    return start >= 2 and text[start - 2] == "\\" and text[start - 1] in "ntr" \
        and (start == 2 or text[start - 3] != "\\")


def _format_matches(text: str, fmt: SecretFormat, pattern: Pattern[str]) -> Iterator[SecretMatch]:
    validate = fmt.validator or _looks_random
    for match in pattern.finditer(text):
        start, end = _secret_span(match)
        value = text[start:end]
        if _left_boundary_ok(text, start) and validate(value):
            yield SecretMatch(fmt.id, fmt.provider, start, end, value)


_AWS_NEARBY_WINDOW = 256
_AWS_SECRET_CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _aws_secrets_near_ids(text: str, key_ids: List[SecretMatch]) -> Iterator[SecretMatch]:
    """40-char base64 secrets within a few lines of an AWS access key id."""
    fmt = _FORMATS_BY_ID["aws-secret-access-key"]
    for key_id in key_ids:
        window_start = max(0, key_id.start - _AWS_NEARBY_WINDOW)
        window_end = min(len(text), key_id.end + _AWS_NEARBY_WINDOW)
        for match in _AWS_SECRET_CANDIDATE_RE.finditer(text, window_start, window_end):
            if _aws_secret_ok(match.group()):
                yield SecretMatch(fmt.id, fmt.provider, match.start(), match.end(), match.group())


def _dedupe(matches: List[SecretMatch]) -> List[SecretMatch]:
    seen = set()
    unique = []
    for match in sorted(matches, key=lambda m: (m.start, -m.end)):
        if (match.start, match.end) not in seen:
            seen.add((match.start, match.end))
            unique.append(match)
    return unique


def scan_text(text: str) -> List[SecretMatch]:
    """All prefixed / structured secrets in text, sorted by offset."""
    found: List[SecretMatch] = []
    for fmt, pattern in _COMPILED:
        if any(keyword in text for keyword in fmt.keywords):
            found.extend(_format_matches(text, fmt, pattern))
    key_ids = [m for m in found if m.format_id == "aws-access-key-id"]
    found.extend(_aws_secrets_near_ids(text, key_ids))
    return _dedupe(found)


# scheme://user:password@host: a database, broker or proxy URL carrying its password.
_URL_PASSWORD_RE = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,30})://"
    r"(?P<user>[^\s:/?#@'\"`<>]*):(?P<password>[^\s/?#@'\"`<>]{1,256})@(?=[A-Za-z0-9\[])"
)


def url_passwords(text: str) -> Iterator[SecretMatch]:
    """Passwords written into URLs (`postgresql://app:<password>@db/app`, `redis://:<pw>@cache`),
    judged as passwords are: random-looking, not a placeholder or an interpolation."""
    if "://" not in text or "@" not in text:
        return
    for match in _URL_PASSWORD_RE.finditer(text):
        password = match.group("password")
        if is_placeholder(password) or not _password_value_ok(password):
            continue
        start, end = match.span("password")
        yield SecretMatch("url-password", match.group("scheme").lower(), start, end, password)


def has_provider_shape(value: str) -> bool:
    """True when value has the shape of a prefixed format, valid or not: a GitHub token with a
    wrong checksum is a look-alike, not a generic credential."""
    return any(
        fmt.id != "aws-secret-access-key" and pattern.fullmatch(value)
        for fmt, pattern in _COMPILED
    )


# --------------------------------------------------------------------------
# quick_candidate
# --------------------------------------------------------------------------

# Every name contextual_secret accepts contains one of these (checked there).
_NAME_WORDS = NAME_WORDS = ("key", "token", "secret", "passw", "pwd", "passphrase", "credential", "creds",
                             "authorization")
_NAME_HINT_RE = NAME_HINT = re.compile("|".join(_NAME_WORDS), re.IGNORECASE)
# Short literals that cover several format keywords each (any superset is safe).
_COVERING_NEEDLES = ("xox", "lsv2_", "sk-ant-")


def _minimal_needles(needles: Tuple[str, ...]) -> Tuple[bytes, ...]:
    """Drop needles containing another needle (the shorter one already fires);
    keep the given order, which puts the most frequent needles first."""
    unique = tuple(dict.fromkeys(needles))
    kept = [
        needle for needle in unique
        if not any(other != needle and other in needle for other in unique)
    ]
    return tuple(n.encode("ascii") for n in kept)


# Lowercase needles; every keyword and every credential name contains one.
_QUICK_NEEDLES = _minimal_needles(
    _NAME_WORDS + _COVERING_NEEDLES
    + tuple(k.lower() for fmt in SECRET_FORMATS for k in fmt.keywords)
)


def quick_candidate(data: bytes) -> bool:
    """Cheap prefilter: True if data may contain a secret or a credential name.

    Lowercases once, then looks for a few dozen literals (names first: they
    occur in most real files, so the search usually stops early).
    """
    lowered = data.lower()
    return any(needle in lowered for needle in _QUICK_NEEDLES)


# --------------------------------------------------------------------------
# contextual_secret
# --------------------------------------------------------------------------

_NAME_SPLIT_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

_PASSWORD_WORDS = ("passw", "passphrase")
_CREDENTIAL_LAST_WORDS = frozenset({
    "token", "secret", "secrets", "credential", "credentials", "creds", "authorization",
    "apikey", "accesskey", "secretkey", "privatekey",
})
_KEY_QUALIFIERS = frozenset({
    "api", "access", "secret", "private", "auth", "client", "subscription", "signing",
    "encryption", "master", "account", "service", "admin", "app", "license", "session",
    "openai", "azure", "cohere", "mistral", "anthropic", "groq", "together", "replicate",
    "pinecone", "langsmith", "langchain", "hf", "huggingface", "google", "gemini", "aws",
    "stripe", "slack", "github", "deepseek", "perplexity", "voyage", "jwt", "hmac",
    # vendors an AI service calls, whose keys are named <VENDOR>_KEY
    "supabase", "role", "kaggle", "tavily", "serpapi", "serper", "exa", "firecrawl", "jina",
    "wandb", "langfuse", "qdrant", "weaviate", "elevenlabs", "deepgram", "assemblyai",
    "fireworks", "openrouter", "xai", "brave", "bing", "unstructured", "llamaparse", "cerebras",
})
_NON_SECRET_LAST_WORDS = frozenset({
    "id", "ids", "name", "names", "url", "uri", "endpoint", "path", "file", "filename",
    "dir", "env", "var", "type", "kind", "length", "len", "size", "count", "limit",
    "limits", "header", "prefix", "suffix", "field", "param", "format", "version", "arn",
    "ref", "policy", "scope", "scopes", "label", "description", "help", "hint", "prompt",
    "enabled", "required", "regex", "pattern", "mask", "masked", "expires", "expiry",
    "expiration", "ttl", "timeout", "provider", "store", "vault", "rotation", "hash",
    "digest", "fingerprint", "min", "max", "location", "source", "mode", "template",
    "placeholder", "example", "docs", "doc", "reset", "validator", "validation", "setting",
    "key", "keys",
})
_NON_CREDENTIAL_TOKEN_QUALIFIERS = frozenset({
    "max", "min", "num", "total", "prompt", "completion", "input", "output", "context",
    "stop", "eos", "bos", "pad", "unk", "sep", "cls", "mask", "special", "start", "end",
    "next", "page", "continuation", "cancel", "csrf", "sync", "cursor", "reasoning",
})


def _name_words(name: str) -> List[str]:
    """Split a variable / env / config name into lowercase words."""
    return [word.lower() for word in _NAME_SPLIT_RE.findall(name)]


def _is_password_name(words: List[str]) -> bool:
    return any(p in word for word in words for p in _PASSWORD_WORDS) or any(
        word == "pwd" or word.endswith("pwd") for word in words
    )


def _is_key_name(words: List[str]) -> bool:
    last = words[-1]
    if last in ("key", "keys"):
        return len(words) >= 2 and words[-2] in _KEY_QUALIFIERS
    if last in ("token", "tokens"):
        return last == "token" and (len(words) == 1 or words[-2] not in _NON_CREDENTIAL_TOKEN_QUALIFIERS)
    return last in _CREDENTIAL_LAST_WORDS


# Trailing words that only say which of several credentials a name holds: AZURE_OPENAI_KEY1
# (Azure's KEY 1 / KEY 2), OPENAI_API_KEY_PROD, API_KEY_2.
_VARIANT_WORDS = frozenset({"prod", "production", "dev", "development", "staging", "stage", "test", "testing",
                            "live", "sandbox", "primary", "secondary", "backup", "old", "new", "alt", "default"})


def _credential_kind(name: str) -> Optional[str]:
    """'password', 'key' or None for a variable / argument / config / env name."""
    if not _NAME_HINT_RE.search(name):
        return None
    words = _name_words(name)
    while len(words) > 1 and (words[-1].isdigit() or words[-1] in _VARIANT_WORDS):
        words.pop()
    if not words:
        return None
    if words[-1] in ("key", "keys") and _is_key_name(words):
        return "key"
    if words[-1] in _NON_SECRET_LAST_WORDS:
        return None
    if _is_password_name(words):
        return "password"
    return "key" if _is_key_name(words) else None


@dataclass(frozen=True)
class _Provider:
    format_id: str
    name: str
    hints: Tuple[str, ...]  # lowercase substrings of name / context
    shape: Pattern[str]


_PROVIDERS = (
    _Provider(
        "azure-openai-api-key", "Azure OpenAI",
        ("openai.azure.com", "azure"),
        # trufflehog pkg/detectors/azure_openai/azure_openai.go: 32 hex
        re.compile(r"[0-9a-fA-F]{32}"),
    ),
    _Provider(
        "cohere-api-key", "Cohere",
        ("cohere", "co_api_key"),
        # gitleaks cohere-api-token: 40 alphanumerics
        re.compile(r"[A-Za-z0-9]{40}"),
    ),
    _Provider(
        "mistral-api-key", "Mistral AI",
        ("mistral",),
        # trufflehog pkg/detectors/mistral/mistral.go: 32 alphanumerics
        re.compile(r"[A-Za-z0-9]{32}"),
    ),
)
_GENERIC_KEY = ("generic-api-key", "Generic")
_GENERIC_PASSWORD = ("generic-password", "Generic")


def _guess_provider(name: str, context: str, value: str) -> Optional[_Provider]:
    """Provider named by the name; else one the context mentions whose key shape the value has."""
    lowered_name = name.lower()
    for provider in _PROVIDERS:
        if any(hint in lowered_name for hint in provider.hints):
            return provider
    lowered_context = context.lower()
    mentioned = [p for p in _PROVIDERS if any(h in lowered_context for h in p.hints)]
    for provider in mentioned:
        if provider.shape.fullmatch(value):
            return provider
    return None  # keys of that provider look different: another key (SERPAPI_API_KEY by an Azure endpoint)


_AUTH_SCHEME_RE = re.compile(r"^(?:Bearer|Basic|Token|Bot)\s+(?=\S)", re.I)


def _strip_auth_scheme(value: str) -> Tuple[str, int]:
    """'Bearer abc' -> ('abc', 7); other values unchanged."""
    scheme = _AUTH_SCHEME_RE.match(value)
    if scheme:
        return value[scheme.end():], scheme.end()
    return value, 0


_SEGMENT_SPLIT_RE = re.compile(r"[-_.:/]+")


def _is_structured_name(value: str) -> bool:
    """Words and numbers joined by separators: gpt-4o-mini-2024-07-18, my_app.v2."""
    segments = [s for s in _SEGMENT_SPLIT_RE.split(value) if s]
    return len(segments) > 1 and all(
        len(s) <= 4 or s.isdigit() or s.isalpha() and (s.islower() or s.isupper() or s.istitle())
        for s in segments
    )


def _key_value_ok(value: str) -> bool:
    """Random-looking API key / token / secret: length, charset and entropy."""
    if len(value) < 16 or len(value) > 4096:
        return False
    if re.fullmatch(r"[A-Za-z_.\-]+", value) or _is_structured_name(value):
        return False
    if _char_classes(value) < 2:
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return shannon_entropy(value) >= min(3.0, 0.75 * math.log2(len(value)))
    return shannon_entropy(value) >= min(3.5, 0.8 * math.log2(len(value)))


def _password_value_ok(value: str) -> bool:
    """Hardcoded password: at least 8 chars of 3 character classes."""
    return 8 <= len(value) <= 256 and _char_classes(value) >= 3 and shannon_entropy(value) >= 2.5


def _prefixed_match(value: str, offset: int) -> Optional[SecretMatch]:
    """The value is exactly one known prefixed secret."""
    for match in scan_text(value):
        if match.start == 0 and match.end == len(value):
            return SecretMatch(match.format_id, match.provider, offset, offset + len(value), value)
    return None


def is_credential_name(name: str) -> bool:
    """Whether `contextual_secret` can accept anything under this name."""
    return _credential_kind(name) is not None


# A shell or compose default: ${NAME:-value} or ${NAME-value}, the value a literal.
_SHELL_DEFAULT_RE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<value>[^${}\s]+)\}")


def contextual_secret(name: str, value: str, context: str = "") -> Optional[SecretMatch]:
    """Judge ``name = value``: a SecretMatch (offsets within value) or None.

    ``name`` is the variable, keyword argument, config key or env var name;
    ``context`` is nearby text (the call, the section, the file header ...)
    used to tell Azure OpenAI / Cohere / Mistral keys from generic ones.
    """
    kind = _credential_kind(name)
    if kind is None:
        return None
    candidate, offset = _strip_auth_scheme(value.strip())
    offset += len(value) - len(value.lstrip())
    fallback = _SHELL_DEFAULT_RE.fullmatch(candidate)
    if fallback is not None:  # ${OPENAI_API_KEY:-<literal>}: the literal is used when the variable is unset
        candidate, offset = fallback.group("value"), offset + fallback.start("value")
    if not candidate or any(c.isspace() for c in candidate):
        return None
    prefixed = _prefixed_match(candidate, offset)
    if prefixed is not None:
        return prefixed
    if is_placeholder(candidate):
        return None
    provider = _guess_provider(name, context, candidate) if kind == "key" else None
    shaped = provider is not None and provider.shape.fullmatch(candidate) is not None
    if not shaped and (looks_like_hash_or_id(candidate) or looks_like_path_or_url(candidate)):
        return None
    if kind == "password":
        ok, (format_id, provider_name) = _password_value_ok(candidate), _GENERIC_PASSWORD
    else:
        ok = shaped or _key_value_ok(candidate)
        format_id, provider_name = (provider.format_id, provider.name) if provider else _GENERIC_KEY
    if not ok:
        return None
    return SecretMatch(format_id, provider_name, offset, offset + len(candidate), candidate)


# --------------------------------------------------------------------------
# Safe display
# --------------------------------------------------------------------------

_MASK_PREFIXES = tuple(sorted({
    "sk-proj-", "sk-admin", "sk-ant-", "sk-", "AIza", "hf_", "api_org_", "gsk_",
    "r8_", "tgp_v1_", "pcsk_", "lsv2_pt_", "lsv2_sk_", "AKIA", "ASIA", "ABIA", "ACCA",
    "ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_", "xoxb-", "xoxp-", "xoxa-", "xoxr-",
    "xoxs-", "xoxo-", "sk_live_", "rk_live_", "https://", "-----",
}, key=len, reverse=True))
_MASK_MIN_LENGTH = 16
_MASK_MAX_SHOWN = 0.3
_MASK_TAIL = 3


def _known_prefix(value: str) -> str:
    for prefix in _MASK_PREFIXES:
        if value.startswith(prefix):
            return prefix
    return ""


def mask(value: str) -> str:
    """Known prefix (<= 8 chars) + "…" + last 3 chars; never > 30% of value."""
    if len(value) < _MASK_MIN_LENGTH:
        return "\u2026"
    budget = int(len(value) * _MASK_MAX_SHOWN)
    prefix = _known_prefix(value)[:budget]
    tail_length = min(_MASK_TAIL, budget - len(prefix))
    tail = value[len(value) - tail_length:] if tail_length > 0 else ""
    return prefix + "\u2026" + tail


def fingerprint(value: str) -> str:
    """Stable, non-reversible id of a secret: sha256 hex, first 16 chars."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]

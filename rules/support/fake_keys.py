"""Fake secrets for rule examples, tests and the secrets corpus.

The repository must hold no string a secret scanner would flag, so no full key is ever
written in source: every fake key is assembled here at run time from split prefixes and
seeded random characters (GitHub checksums computed), and checked against the detection
library so a generated key is always one the rules recognise.

    keys = FakeKeys(seed=7)
    keys.make("openai")          # a fresh fake OpenAI project key
    keys.make("github-bad-checksum")
"""

from __future__ import annotations

import base64
import binascii
import random
import string
from typing import Callable, Dict

from ailint_rules.support import secrets

UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
LETTERS = UPPER + LOWER
ALNUM = LETTERS + DIGITS
TOKEN = ALNUM + "_-"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"

# Split so that no scanner keyword appears whole in this file's text.
_OPENAI_MARK = "T3Blbk" + "FJ"
_PEM_BEGIN, _PEM_END, _PEM_KEY = "-----BEGIN ", "-----END ", "PRIVATE" + " KEY-----"


def _base62(number: int) -> str:
    alphabet = DIGITS + UPPER + LOWER
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = alphabet[rest] + out
    return out.rjust(6, "0")


class FakeKeys:
    """A seeded factory of fake secrets. Same seed, same keys."""

    def __init__(self, seed: int = 20240601) -> None:
        self.rng = random.Random(seed)
        self._makers: Dict[str, Callable[[], str]] = {
            "openai": lambda: "sk-" + "proj-" + self.rand(58, TOKEN) + _OPENAI_MARK + self.rand(58, TOKEN),
            "openai-legacy": lambda: "sk-" + self.rand(20) + _OPENAI_MARK + self.rand(20),
            "anthropic": lambda: "sk-" + "ant-" + "api03-" + self.rand(93, TOKEN) + "AA",
            "google": lambda: "AI" + "za" + self.rand(35, TOKEN),
            "huggingface": lambda: "hf" + "_" + self.rand(34, LETTERS),
            "groq": lambda: "gsk" + "_" + self.rand(52),
            "replicate": lambda: "r8" + "_" + self.rand(37),
            "together": lambda: "tgp_" + "v1_" + self.rand(43, TOKEN),
            "pinecone": lambda: "pcsk" + "_" + self.rand(5) + "_" + self.rand(63),
            "langsmith": lambda: "lsv2_" + "pt_" + self.rand(32, HEX) + "_" + self.rand(10, HEX),
            "aws-id": lambda: "AK" + "IA" + self.rand(16, UPPER + DIGITS),
            "aws-secret": self._aws_secret,
            "github": lambda: self._github(valid=True),
            "github-bad-checksum": lambda: self._github(valid=False),
            "github-fine-grained": lambda: "github_" + "pat_" + self.rand(22) + "_" + self.rand(59),
            "slack-bot": lambda: "xo" + "xb-" + self.rand(12, DIGITS) + "-" + self.rand(13, DIGITS) + "-" + self.rand(24),
            "slack-webhook": lambda: ("https://hooks." + "slack.com/services/T" + self.rand(10, UPPER + DIGITS)
                                      + "/B" + self.rand(10, UPPER + DIGITS) + "/" + self.rand(24)),
            "stripe": lambda: "sk_" + "live_" + self.rand(24),
            "pem": lambda: self._pem("\n"),
            "pem-escaped": lambda: self._pem("\\n"),  # inside a JSON or Python string
            "azure": lambda: self.rand(32, HEX),
            "cohere": lambda: self.rand(40),
            "mistral": lambda: self.rand(32),
            "generic": lambda: self.rand(40, ALNUM + "_-"),
            "password": self._password,
        }

    @property
    def kinds(self):
        return tuple(self._makers)

    def rand(self, n: int, alphabet: str = ALNUM) -> str:
        """Random characters that no placeholder check would mistake for an example."""
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            if not secrets.is_placeholder(value) and not secrets.looks_like_hash_or_id(value):
                return value

    def make(self, kind: str) -> str:
        return self._makers[kind]()

    def _github(self, valid: bool) -> str:
        body = self.rand(30)
        checksum = _base62(binascii.crc32(body.encode()))
        if not valid:  # one character off: the checksum fails
            checksum = checksum[:-1] + ("A" if checksum[-1] != "A" else "B")
        return "gh" + "p_" + body + checksum

    def _aws_secret(self) -> str:
        while True:
            value = self.rand(40, B64)
            if any(c in value for c in "+/") and value[0] not in "+/" and value[-1] not in "+/":
                return value

    def _password(self) -> str:
        while True:
            value = self.rand(6, LOWER) + self.rand(4, UPPER) + self.rand(3, DIGITS) + self.rng.choice("!#%&*")
            if not secrets.is_placeholder(value):
                return value

    def _pem(self, newline: str) -> str:
        body = base64.b64encode(bytes(self.rng.getrandbits(8) for _ in range(600))).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return newline.join([_PEM_BEGIN + "RSA " + _PEM_KEY] + lines + [_PEM_END + "RSA " + _PEM_KEY])


PEM_LINES = 15  # lines of a multi-line `FakeKeys.make("pem")` block


def shown(value: str) -> str:
    """The truncated form documentation shows: the prefix and an ellipsis (`sk-proj-…`)."""
    return secrets.mask(value).split("\u2026")[0] + "\u2026"

"""Tests for ailint.report.linehash (GitHub's primaryLocationLineHash).

The expected values are the published vectors of github/codeql-action's
``src/fingerprints.test.ts`` (test "hash"), plus the two fingerprints in its
end-to-end fixture ``src/testdata/fingerprinting.expected.sarif`` (computed from
``src/testdata/testFile1.js`` / ``testFile2.js``). A literal, character-at-a-time
port of the TypeScript state machine (with explicit signed 64-bit ``Long``
emulation) serves as an oracle for randomised differential tests.
"""

from __future__ import annotations

import random
import re
import time

import pytest

from ailint.report.linehash import BLOCK_SIZE, line_hash, line_hashes

# --------------------------------------------------------------------------------------
# Published vectors: (input, expected hashes for lines 1..n), from fingerprints.test.ts
# --------------------------------------------------------------------------------------

_NORMALISED_NEWLINES = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]

PUBLISHED_VECTORS = [
    pytest.param("", ["c129715d7a2bc9a3:1"], id="empty-file"),
    pytest.param(
        " a\nb\n  \t\tc\n d",
        [
            "271789c17abda88f:1",
            "54703d4cd895b18:1",
            "180aee12dab6264:1",
            "a23a3dc5e078b07b:1",
        ],
        id="leading-whitespace-no-final-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
        id="lf-no-final-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        _NORMALISED_NEWLINES,
        id="lf-final-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        _NORMALISED_NEWLINES,
        id="cr-only",
    ),
    pytest.param(
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        _NORMALISED_NEWLINES,
        id="crlf",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        _NORMALISED_NEWLINES,
        id="mixed-newlines",
    ),
    pytest.param(
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
        id="repeated-lines-counter",
    ),
    pytest.param(
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
        id="sample-program",
    ),
]


def _ts_line_count(text: str) -> int:
    # fingerprints.test.ts asserts the callback ran input.split(/\r\n|\r|\n/).length times.
    return len(re.split(r"\r\n|\r|\n", text))


@pytest.mark.parametrize("text, expected", PUBLISHED_VECTORS)
def test_published_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == expected
    assert len(expected) == _ts_line_count(text)


@pytest.mark.parametrize("text, expected", PUBLISHED_VECTORS)
def test_line_hash_matches_each_published_line(text: str, expected: list[str]) -> None:
    for number, value in enumerate(expected, start=1):
        assert line_hash(text, number) == value


# End-to-end fixture of fingerprints.test.ts ("addFingerprints"): the result on
# testFile1.js line 1 and on testFile2.js line 2 get these fingerprints.
@pytest.mark.parametrize(
    "text, line, expected",
    [
        pytest.param(
            "var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n", 1, "5e4d5a9cf1294ad9:1", id="testFile1.js"
        ),
        pytest.param(
            "var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n", 2, "f7592a95a9381ac0:1", id="testFile2.js"
        ),
    ],
)
def test_add_fingerprints_fixture(text: str, line: int, expected: str) -> None:
    assert line_hash(text, line) == expected


# --------------------------------------------------------------------------------------
# Oracle: a deliberately literal port of the fingerprints.ts state machine
# --------------------------------------------------------------------------------------


def _to_signed64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _oracle(text: str) -> list[str]:
    tab, space, lf, cr, eof = 9, 32, 10, 13, 65535
    first_mod = 1
    for _ in range(BLOCK_SIZE):
        first_mod = _to_signed64(first_mod * 37)
    window = [0] * BLOCK_SIZE
    line_numbers = [-1] * BLOCK_SIZE
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}
    counts: dict[str, int] = {}
    out: list[tuple[int, str]] = []

    def output_hash() -> None:
        value = format(state["hash"] & ((1 << 64) - 1), "x")  # Long.toUnsigned().toString(16)
        counts[value] = counts.get(value, 0) + 1
        out.append((line_numbers[state["index"]], f"{value}:{counts[value]}"))
        line_numbers[state["index"]] = -1

    def update_hash(current: int) -> None:
        begin = window[state["index"]]
        window[state["index"]] = current
        state["hash"] = _to_signed64(
            _to_signed64(_to_signed64(37 * state["hash"]) + current) - _to_signed64(first_mod * begin)
        )
        state["index"] = (state["index"] + 1) % BLOCK_SIZE

    def process(current: int) -> None:
        if current in (space, tab) or (state["prev_cr"] and current == lf):
            state["prev_cr"] = False
            return
        if current == cr:
            current = lf
            state["prev_cr"] = True
        else:
            state["prev_cr"] = False
        if line_numbers[state["index"]] != -1:
            output_hash()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if current == lf:
            state["line_start"] = True
        update_hash(current)

    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):  # charCodeAt: UTF-16 code units
        process(data[i] | data[i + 1] << 8)
    process(eof)
    for _ in range(BLOCK_SIZE):
        if line_numbers[state["index"]] != -1:
            output_hash()
        update_hash(0)

    assert [number for number, _ in out] == list(range(1, len(out) + 1))
    return [value for _, value in out]


@pytest.mark.parametrize("text, expected", PUBLISHED_VECTORS)
def test_oracle_reproduces_published_vectors(text: str, expected: list[str]) -> None:
    # Guards the oracle itself, so the differential tests below mean something.
    assert _oracle(text) == expected


_ALPHABET = ["a", "b", "Z", "0", ";", " ", "\t", "\n", "\r", "\r\n", "\f", "\v", "\u00e9", "\u20ac",
             "\U0001f600", "\ufeff", "\uffff", "\x00", "\u2028", "\x85"]


@pytest.mark.parametrize("seed", range(40))
def test_matches_oracle_on_random_text(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([0, 1, 5, 50, 99, 100, 101, 250, 1200])
    pieces = [rng.choice(_ALPHABET) for _ in range(size)]
    if seed % 3 == 0:  # long repeated lines and runs of identical lines
        pieces = [
            rng.choice(["x" * 150, "y = 1", "", "  \t "]) + rng.choice(["\n", "\r\n", "\r"])
            for _ in range(size // 5)
        ]
    text = "".join(pieces)
    assert line_hashes(text) == _oracle(text)
    assert len(line_hashes(text)) == _ts_line_count(text)


def test_matches_oracle_across_chunk_boundaries() -> None:
    # More lines than the implementation hashes in one batch, with long, short,
    # blank, duplicated and non-ASCII lines.
    rng = random.Random(1234)
    choices = ["", "  ", "}", "return x", "\u00e9\U0001f600 = 1", "z" * 120, "if a:\tb()"]
    text = "\r\n".join(rng.choice(choices) for _ in range(5000))
    expected = _oracle(text)
    assert len(expected) == 5000
    assert line_hashes(text) == expected


def test_portable_uint64_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import ailint.report.linehash as linehash

    text = "Lorem ipsum dolor sit amet.\n" * 10 + "x = \U0001f600\n"
    expected = line_hashes(text)
    monkeypatch.setattr(linehash, "_U64", "")
    assert line_hashes(text) == expected


# --------------------------------------------------------------------------------------
# Behavioural properties
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, count",
    [("", 1), ("a", 1), ("a\n", 2), ("a\r\n", 2), ("a\r", 2), ("\r\n", 2), ("\n\r", 3), ("\r\r\n", 3),
     ("a\r \nb", 3), ("a\fb\vc\u2028d\x85e", 1), ("   ", 1)],
)
def test_one_hash_per_line(text: str, count: int) -> None:
    assert len(line_hashes(text)) == count == _ts_line_count(text)


def test_cr_space_lf_is_two_line_breaks() -> None:
    # A dropped space between CR and LF resets "previous was CR" in the TS.
    assert line_hashes("a\r \nb") == line_hashes("a\n\nb")
    assert line_hashes("a\r\nb") == line_hashes("a\nb")


def test_only_spaces_and_tabs_are_ignored() -> None:
    assert line_hashes("\tx = [1,  2]\n") == line_hashes("x=[1,2]\n")
    assert line_hashes("x\f\n") != line_hashes("x\n")
    assert line_hashes("x\u00a0\n") != line_hashes("x\n")


def test_astral_characters_count_as_two_code_units() -> None:
    # 49 emoji = 98 code units: line 2 is still inside line 1's 100-unit window, so
    # changing line 2 must change line 1's hash; with 50 emoji (100 units) it must not.
    assert line_hashes("\U0001f600" * 49 + "\na")[0] != line_hashes("\U0001f600" * 49 + "\nb")[0]
    assert line_hashes("\U0001f600" * 50 + "\na")[0] == line_hashes("\U0001f600" * 50 + "\nb")[0]


def _program() -> list[str]:
    return [f"value_{i} = compute({i}, {i * 7})" for i in range(40)]


def test_inserting_lines_above_leaves_hash_unchanged() -> None:
    lines = _program()
    target = 20
    before = line_hashes("\n".join(lines) + "\n")[target]
    # The window starts at the line and looks *forward*, so text above it never
    # enters it: neither lines right above nor lines far above (>100 chars away).
    far_block = [f"unrelated_{i} = {i} * 1000" for i in range(30)]
    for position, block in [(target, ["import os"]), (0, far_block)]:
        edited = lines[:position] + block + lines[position:]
        assert line_hashes("\n".join(edited) + "\n")[target + len(block)] == before


def test_changing_the_line_itself_changes_hash() -> None:
    lines = _program()
    before = line_hashes("\n".join(lines) + "\n")
    lines[20] = lines[20].replace("compute", "computer")
    after = line_hashes("\n".join(lines) + "\n")
    assert after[20] != before[20]
    # Lines above within 100 non-blank code units see the change too; far ones don't.
    assert after[19] != before[19]
    assert after[10] == before[10]
    assert after[21:] == before[21:]


def test_window_boundary_is_100_code_units_after_line_start() -> None:
    # Line 1 is 98 units + "\n" = 99 units, so exactly one unit of line 2 is in its window.
    first = "q" * 98
    assert line_hashes(first + "\nab")[0] != line_hashes(first + "\nxb")[0]
    assert line_hashes(first + "\nab")[0] == line_hashes(first + "\nax")[0]
    # Blanks in line 2 don't count towards the 100 units.
    assert line_hashes(first + "\n   \ta")[0] != line_hashes(first + "\n   \tb")[0]


def test_duplicate_line_above_bumps_counter() -> None:
    lines = ["a = 1", "b = 2"] + [f"filler_{i} = {i:04d}_padding_padding" for i in range(10)]
    text = "\n".join(lines) + "\n"
    base = line_hashes(text)
    doubled = line_hashes("\n".join(lines + lines) + "\n")
    # Identical windows more than 100 units before the end get the same hex with :2.
    assert doubled[len(lines)] == base[0].replace(":1", ":2")


def test_line_hash_bounds() -> None:
    assert line_hash("a\nb", 2) == line_hashes("a\nb")[1]
    with pytest.raises(IndexError):
        line_hash("a\nb", 0)
    with pytest.raises(IndexError):
        line_hash("a\nb", 4)


def test_fifty_thousand_lines_take_linear_time() -> None:
    # A hang guard, not a speed target: linear work takes ~0.1 s, quadratic work would take minutes.
    line = "    result_{0} = process(items[{0}], key='k{1}')  # note\n"
    text = "".join(line.format(i, i % 97) for i in range(50_000))
    start = time.perf_counter()
    hashes = line_hashes(text)
    elapsed = time.perf_counter() - start
    assert len(hashes) == 50_001
    assert elapsed < 20.0, f"50k lines took {elapsed:.3f}s"

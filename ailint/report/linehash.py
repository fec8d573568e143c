"""GitHub code scanning's ``primaryLocationLineHash`` fingerprint, in pure Python.

GitHub code scanning uses the SARIF ``partialFingerprints.primaryLocationLineHash``
value to recognise the same alert across commits. When an uploaded result does not
carry one, ``github/codeql-action`` computes it in ``src/fingerprints.ts``
(function ``hash``; its vectors are in ``src/fingerprints.test.ts``). This module
re-implements that algorithm so ailint can emit identical values itself.

The algorithm
-------------
1. The text is read as UTF-16 code units (JavaScript ``charCodeAt``), so a
   character outside the Basic Multilingual Plane counts as two units (a surrogate
   pair).
2. Spaces (U+0020) and tabs (U+0009) are dropped, wherever they are. No other
   whitespace is dropped (form feeds, ``\\v``, U+00A0... all count).
3. Line endings are normalised: ``\\r\\n``, a lone ``\\r`` and ``\\n`` each become a
   single ``\\n``. (In the TypeScript an LF is skipped only when the character
   processed just before it was a CR; a dropped space or tab in between resets that,
   so ``"\\r \\n"`` is two line endings. Normalising newlines *before* dropping
   spaces and tabs reproduces exactly that.)
4. The sentinel code unit ``0xFFFF`` (the TS ``EOF``) is appended, then zeros.
5. A line starts at the first unit of the normalised stream and right after every
   ``\\n``. Its raw hash is a polynomial rolling hash of the ``BLOCK_SIZE`` (100)
   units *starting at the line start* -- i.e. the line itself and whatever follows
   it, not what precedes it::

       h = sum(unit[start + k] * 37 ** (99 - k) for k in range(100))  (mod 2**64)

   The TS computes this incrementally with the ``long`` npm package (signed 64-bit
   two's complement, wrapping on overflow) and prints ``toUnsigned().toString(16)``.
   Wrapping signed arithmetic is arithmetic modulo 2**64, so taking every sum
   modulo 2**64 and printing it as lower-case hex *without zero padding* gives the
   same digits (e.g. ``54703d4cd895b18`` has 15 of them).
6. Hashes are emitted in line order; the value is ``"<hex>:<n>"`` where ``n`` counts
   how many lines so far (this one included) had the same hex hash. The suffix of
   a line therefore depends on every earlier line of the file.

Line numbering
--------------
Lines are numbered 1, 2, ... as if the text were split with the regular expression
``\\r\\n|\\r|\\n``: there is always exactly ``(number of line endings) + 1`` lines, so
``""`` has one line, ``"a"`` one, ``"a\\n"`` two: the empty line after a final
newline gets a hash too (a last line that is empty or only spaces/tabs is always
``c129715d7a2bc9a3:1``, the hash of ``EOF`` followed by zeros). Unlike
:meth:`str.splitlines`, ``\\f``, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028
and U+2029 are *not* line breaks; this matches the line numbers in Python's own
``ast``/``tokenize`` output. ``line_hashes(text)[i]`` is line ``i + 1``.

Input text
----------
``fingerprints.ts`` reads the file as UTF-8 (Node ``fs.createReadStream(path,
"utf8")``): a byte-order mark is *not* stripped (it is hashed as U+FEFF in line 1)
and undecodable bytes become U+FFFD. To match GitHub for a file on disk, decode
it with ``data.decode("utf-8", errors="replace")`` -- not ``"utf-8-sig"``, and
without universal-newline translation, i.e. ``open(..., newline="")`` (for
invalid UTF-8 the number of U+FFFD emitted by Node and Python could in principle
differ). Lone surrogates in ``text`` (e.g. from ``surrogateescape``) are hashed as
the code unit they name.

Implementation
--------------
Hashing the 100 units after every line start one by one costs 100 Python-level
multiply-adds per line (~0.45 s for 50,000 lines). Instead the hashes of up to
``_CHUNK`` lines are computed together, "SIMD within a register" style: the k-th
unit of every line's window is packed into one big integer with one 96-bit slot
per line, multiplied by the k-th weight and accumulated, for k = 0..99. A slot
never exceeds 100 * 0xFFFF * 2**64 < 2**87, so no carry crosses into the next
slot, and each slot's low 64 bits are that line's hash. All per-unit work happens
inside C-level bytes/int operations: a 50,000-line file takes ~0.15 s.
"""

from __future__ import annotations

import sys
from array import array
from itertools import accumulate
from typing import List

__all__ = ["BLOCK_SIZE", "line_hash", "line_hashes"]

#: Number of UTF-16 code units (after dropping spaces/tabs) each line hash covers.
BLOCK_SIZE = 100
_MULTIPLIER = 37  # ``MOD`` in fingerprints.ts; it is the base, not a modulus
_MODULUS = 1 << 64  # 64-bit ``Long`` wrap-around
_EOF = 0xFFFF  # appended once after the last character, as in the TS

# _WEIGHTS[k] is 37 ** (99 - k) mod 2**64: the weight of the k-th unit of a window.
_WEIGHTS = [pow(_MULTIPLIER, BLOCK_SIZE - 1 - k, _MODULUS) for k in range(BLOCK_SIZE)]
# EOF, then the zeros the TS feeds while flushing: a window starting at EOF needs
# 99 of them. As UTF-16-LE bytes.
_TAIL = _EOF.to_bytes(2, "little") + bytes(2 * (BLOCK_SIZE - 1))

_ROW = 2 * BLOCK_SIZE  # bytes in one window of UTF-16-LE code units
_SLOT = 12  # bytes per line in the packed accumulator (96 bits > 87 needed)
_CHUNK = 4096  # lines hashed together; bounds memory and keeps operands cache-sized
_U64 = "Q" if array("Q").itemsize == 8 else ""  # array typecode for uint64, if any


def _normalise(text: str) -> str:
    """Newlines to ``\\n`` first, then drop spaces and tabs (order matters, see above)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace(" ", "").replace("\t", "")


def _line_starts(normalised: str, units: int) -> List[int]:
    """Code-unit offsets at which the lines of ``normalised`` start (always >= 1 line)."""
    lines = normalised.split("\n")
    if units == len(normalised):  # no astral characters: 1 character == 1 code unit
        lengths = [len(line) + 1 for line in lines[:-1]]  # +1 for the "\n"
    else:
        lengths = [len(line.encode("utf-16-le", "surrogatepass")) // 2 + 1 for line in lines[:-1]]
    return list(accumulate(lengths, initial=0))


def _raw_hashes(data: bytes, starts: List[int]) -> List[int]:
    """sum(unit[s + k] * _WEIGHTS[k] for k < 100) mod 2**64 for each start ``s``.

    ``data`` is the UTF-16-LE stream, already followed by ``_TAIL``. See the module
    docstring ("Implementation") for the packing scheme.
    """
    count = len(starts)
    # One 200-byte row per line: the window of code units starting at the line.
    rows = b"".join([data[2 * s : 2 * s + _ROW] for s in starts])
    column = bytearray(_SLOT * count)
    total = 0
    for k, weight in enumerate(_WEIGHTS):
        # Slot i holds unit k of row i (little-endian, zero-padded to 96 bits).
        column[0::_SLOT] = rows[2 * k :: _ROW]
        column[1::_SLOT] = rows[2 * k + 1 :: _ROW]
        total += int.from_bytes(column, "little") * weight
    packed = total.to_bytes(_SLOT * count, "little")
    if not _U64:
        return [int.from_bytes(packed[i : i + 8], "little") for i in range(0, len(packed), _SLOT)]
    low = bytearray(8 * count)  # the low 64 bits of every slot, back to back
    for byte in range(8):
        low[byte::8] = packed[byte::_SLOT]
    values = array(_U64, low)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def line_hashes(text: str) -> list[str]:
    """Return the primaryLocationLineHash for every line of `text` (index 0 = line 1), e.g. 'a3b1c2d4e5f60718:1'.

    There is one entry per line of ``re.split(r"\\r\\n|\\r|\\n", text)``, so always at
    least one (for ``""``) and one for the empty line after a trailing newline.
    See the module docstring for the algorithm and the expected decoding of files.
    """
    normalised = _normalise(text)
    data = normalised.encode("utf-16-le", "surrogatepass")  # charCodeAt units
    starts = _line_starts(normalised, len(data) // 2)
    data += _TAIL

    raw: List[int] = []
    for first in range(0, len(starts), _CHUNK):
        raw += _raw_hashes(data, starts[first : first + _CHUNK])

    hexes = list(map("{:x}".format, raw))  # Long.toUnsigned().toString(16)
    if len(set(hexes)) == len(hexes):  # the usual case: no repeated hash
        return [value + ":1" for value in hexes]
    counts: dict[str, int] = {}
    result: list[str] = []
    for value in hexes:
        counts[value] = counts.get(value, 0) + 1
        result.append(f"{value}:{counts[value]}")
    return result


def line_hash(text: str, line: int) -> str:
    """Hash for one 1-based line.

    The ``:n`` suffix depends on all earlier lines, so this hashes the whole text;
    call :func:`line_hashes` once when several lines of the same text are needed.
    Raises :class:`IndexError` unless ``1 <= line <= len(line_hashes(text))``.
    """
    hashes = line_hashes(text)
    if not 1 <= line <= len(hashes):
        raise IndexError(f"line {line} out of range 1..{len(hashes)}")
    return hashes[line - 1]

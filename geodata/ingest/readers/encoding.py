"""Bytes to text, for every text format: UTF-8, UTF-8 with BOM, Windows-1256 Arabic.

Spreadsheets exported on an Arabic Windows system arrive in Windows-1256;
Excel's "CSV UTF-8" adds a byte-order mark. The rule is fixed so results are
reproducible: a BOM decides; otherwise bytes that are valid UTF-8 are UTF-8;
otherwise Windows-1256 (which decodes any byte, so it is the last resort and
is always reported as a warning). A caller who knows better passes
``encoding=``.
"""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.ingest import limits
from geodata.model.errors import UnreadableFileError

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
UTF16 = "utf-16"
ARABIC_WINDOWS = "cp1256"

#: What each encoding is called in reports.
ENCODING_NAMES = {UTF8: "UTF-8", UTF8_BOM: "UTF-8 with byte-order mark", UTF16: "UTF-16",
                  ARABIC_WINDOWS: "Windows-1256 (Arabic)"}


def read_bytes(path: str | Path, size: int | None = None) -> bytes:
    """The file's bytes (the first ``size`` of them, if given), or one :class:`UnreadableFileError` saying why not."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read() if size is None else handle.read(size)
    except FileNotFoundError:
        raise UnreadableFileError(str(path), "file not found") from None
    except IsADirectoryError:
        raise UnreadableFileError(str(path), "this is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableFileError(str(path), exc.strerror or str(exc)) from None
    if (size is None or len(data) < size) and (not data or data.isspace()):
        raise UnreadableFileError(str(path), "the file is empty")
    return data


def detect_encoding(data: bytes) -> str:
    """The encoding to decode ``data`` with (see the module docstring for the rule)."""
    if data.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    if data.isascii():
        return UTF8
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return ARABIC_WINDOWS
    return UTF8


def check_text(data: bytes, file: str) -> None:
    """Refuse bytes that are clearly not a text table (a workbook, an archive, binary)."""
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFileError(file, "this is a zip archive or an Excel workbook, not a CSV text file")
    head = data[:65536]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFileError(file, "this is a binary file, not a CSV text file")


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used; a stated ``encoding`` that does not fit is an error."""
    used = encoding or detect_encoding(data)
    try:
        return data.decode(used), used
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFileError(file, f"cannot decode as {used}: {exc}") from None


def _count_lines(path: str | Path) -> int:
    """Line breaks in the file, counted in 8 MB chunks (an upper bound on its records, without parsing)."""
    count = 0
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 23):
            count += chunk.count(b"\n")
    return count + 1


def check_shape(path: str | Path, head: bytes) -> None:
    """Refuse a CSV whose header line or line count is over the limits (:mod:`geodata.ingest.limits`),
    before any parser builds a frame: a 10 MB line of a million empty cells costs gigabytes parsed.

    Raises :class:`~geodata.ingest.limits.LimitError` naming the file and the limit.
    """
    file = str(path)
    if b"\n" not in head and b"\r" not in head and len(head) >= 1 << 16:
        head = read_bytes(path, limits.MAX_HEADER_BYTES + 1)
        if b"\n" not in head and b"\r" not in head and len(head) > limits.MAX_HEADER_BYTES:
            raise limits.LimitError(file, "the header line (bytes)", f"more than {limits.MAX_HEADER_BYTES:,}",
                                    limits.MAX_HEADER_BYTES, "MAX_HEADER_BYTES")
    text = head.decode(detect_encoding(head) if not head.startswith(codecs.BOM_UTF8) else UTF8_BOM, "replace")
    first = text.splitlines()[0] if text.strip() else ""
    try:
        columns = len(next(csv.reader([first]), []))
    except csv.Error:
        columns = first.count(",") + 1
    limits.check(file, "the number of columns in the header line", columns, limits.MAX_COLUMNS, "MAX_COLUMNS")
    lines = _count_lines(path)
    limits.check(file, "the number of lines", lines, limits.MAX_ROWS + 1, "MAX_ROWS")
    limits.check(file, "the number of cells (lines x columns)", lines * columns, limits.MAX_CELLS, "MAX_CELLS")


def _utf8_so_far(head: bytes) -> bool:
    """Whether ``head`` is valid UTF-8 (a character cut at the end is allowed)."""
    try:
        codecs.getincrementaldecoder(UTF8)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def read_csv_cells(path: str | Path, *, encoding: str | None = None, header: int | None = 0,
                   fast: bool = True) -> tuple[pd.DataFrame, str]:
    """Every cell of a CSV file as text (blank cells missing), and the encoding used.

    No type guessing: validation must see what the file says. With ``fast``
    (the default) a file that starts as UTF-8 goes straight to pyarrow's
    multi-threaded parser, which checks the rest is UTF-8; anything it
    refuses (another encoding, line breaks inside quoted cells, ragged
    rows) is read again by pandas' own parser after the encoding has been
    detected on the whole file, so the slow path only costs the odd file.

    Raises
    ------
    UnreadableFileError
        the file is missing, empty, binary, not decodable, or not CSV.
    """
    file = str(path)
    head = read_bytes(path, 1 << 16)
    check_text(head, file)
    check_shape(path, head)
    if fast and header == 0 and encoding in (None, UTF8, UTF8_BOM) and not head.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf8_so_far(head):
        try:
            frame = pd.read_csv(path, engine="pyarrow", dtype=str, keep_default_na=False, na_values=[""],
                                header=header)
        except Exception:  # noqa: BLE001 - any refusal: the general path below decides and explains
            pass
        else:
            frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
            return frame, (UTF8_BOM if head.startswith(codecs.BOM_UTF8) else UTF8)
    data = read_bytes(path)
    used = encoding or detect_encoding(data)
    if used != UTF8:
        decode(data, file, used)  # fail now, with the encoding named, rather than inside the parser
    try:
        frame = pd.read_csv(io.BytesIO(data), encoding=used, dtype=str, keep_default_na=False, na_values=[""],
                            header=header)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFileError(file, str(exc).strip().splitlines()[0]) from None
    if header == 0 and not isinstance(frame.index, pd.RangeIndex):
        raise UnreadableFileError(file, _ragged_line(data, used))
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, used


def _ragged_line(data: bytes, encoding: str) -> str:
    """Why a file whose first data rows hold more cells than its header is refused, with the line.

    pandas takes such a file's first column for an index and shifts every
    cell one column left, so rows would be validated (and quarantined) for
    the wrong reasons; read without a header, its parser names the line."""
    try:
        pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, header=None, keep_default_na=False)
    except pd.errors.ParserError as exc:
        return str(exc).strip().splitlines()[0] + " (the header names fewer columns)"
    return "rows hold more cells than the header names columns"


def _lines_in_bytes(path: str | Path) -> int:
    """Lines of the file as a text editor counts them (``\\n``, ``\\r\\n`` or ``\\r`` end one; a last line
    without an ending counts), read in 8 MB chunks: for UTF-8 and Windows-1256 text only, where those
    bytes are never part of another character. Memory stays bounded whatever the file's size."""
    breaks, last, cr_end = 0, b"", False
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 23):
            breaks += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            if cr_end and chunk.startswith(b"\n"):
                breaks -= 1  # a \r\n split between two chunks
            cr_end, last = chunk.endswith(b"\r"), chunk[-1:]
    return breaks + (0 if not last or last in (b"\n", b"\r") else 1)


def record_lines(path: str | Path, encoding: str, count: int, skip: int = 1) -> np.ndarray:
    """The line of the file (1-based, as a text editor numbers them) on which each of ``count``
    CSV records starts, after the first ``skip`` records (the header).

    Records and lines differ when a quoted cell holds a line break or the
    file has blank lines (which the parser skips): an error must point at
    the line the analyst sees. A file with one record per line, the usual
    case, costs a byte count; otherwise the file is scanned once more.
    """
    if encoding in (UTF8, UTF8_BOM, ARABIC_WINDOWS) and _lines_in_bytes(path) == skip + count:
        return np.arange(skip + 1, skip + 1 + count, dtype=np.int64)
    data = read_bytes(path)
    text, _ = decode(data, str(path), encoding)
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    lines = breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)
    if lines == skip + count:
        return np.arange(skip + 1, skip + 1 + count, dtype=np.int64)
    starts = []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    try:
        for row in reader:
            if row:  # a blank line is no record (pandas skips them too)
                starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:
        starts = []
    if len(starts) != skip + count:  # the two parsers disagree: keep record numbers, the safe fallback
        return np.arange(skip + 1, skip + 1 + count, dtype=np.int64)
    return np.asarray(starts[skip:], dtype=np.int64)

r"""Diagnosing bad data files: which file, which line, which column.

The parsers of the data chapter (`primitive_nn.data`) take the fast path,
one call to NumPy, and refuse bad input without saying where it goes wrong.
The loader (`primitive_nn.machinery.mnist`) comes here when they refuse, or
before they start: these functions go back over the input to say what is
wrong in words a person can act on. Each of them either raises a
`DataError` or returns quietly. (What is wrong with an IDX file's header or
length is the format itself, and `primitive_nn.data.parse_idx` says it.)
"""

import numpy as np

from primitive_nn import data
from primitive_nn.errors import DataError

_SNIFF_BYTES = 4096
_NOT_CSV = {  # leading bytes -> what the file is instead
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
}


def check_csv_is_text(path):
    """Raise a DataError if `path` is plainly not a text CSV: an IDX file, a picture, binary data."""
    with open(path, "rb") as file:
        head = file.read(_SNIFF_BYTES)
    if not head:
        raise DataError(f"{path}: the file is empty; expected a CSV of labelled digits, one line "
                        "per image: label,pixel0,...,pixel783")
    if head.startswith(data.GZIP_MAGIC) or head[:3] == bytes([0, 0, data.IDX_UINT8]):
        raise DataError(f"{path}: a single IDX file, not a CSV; pass the directory that holds "
                        f"the MNIST IDX files ({data.TRAIN_IMAGES} and {data.TRAIN_LABELS})")
    for magic, what in _NOT_CSV.items():
        if head.startswith(magic):
            raise DataError(f"{path}: {what}, not a CSV of labelled digits; pass a Kaggle-style "
                            "train.csv or a directory of MNIST IDX files")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            raise DataError(f"{path}: not a UTF-8 text file (byte {exc.start} is "
                            f"0x{head[exc.start]:02x}); expected a CSV of labelled digits") from None
    if b"\x00" in head:
        raise DataError(f"{path}: binary data, not a CSV of labelled digits")


def explain_csv(path):
    """Raise a DataError naming the first bad line of a CSV that `primitive_nn.data.read_csv` refused.

    Line 1 must have 785 cells and be a header or an image. Blocks of 1,000
    lines that `primitive_nn.data.parse_csv` reads cleanly are skipped; the
    lines of a block that fails are checked one by one. Line numbers count
    from 1, as in a text editor, header included. Always raises.
    """
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        lines = list(file)
    first = lines[0] if lines else ""
    check_column_count(path, 1, len(first.split(",")))
    header = data.csv_has_header(first, str(path))  # raises if line 1 mixes names and numbers
    numbered = [(number, line) for number, line in enumerate(lines, start=1)
                if number > header and line.strip()]
    if not numbered:
        raise DataError(f"{path}: no data lines{' after the header' if header else ''}; "
                        "expected one line per image: label,pixel0,...,pixel783")
    for start in range(0, len(numbered), 1000):
        block = numbered[start:start + 1000]
        if not _block_ok([line for _, line in block]):
            for number, line in block:
                _check_row(path, number, line.split(","))
    raise DataError(f"{path}: cannot be read as a CSV of {data.CSV_COLUMNS} integer columns")


def _block_ok(lines):
    """True if the chapter's `parse_csv` reads these lines as images."""
    try:
        data.parse_csv(lines)
    except DataError:
        return False
    return True


def check_column_count(path, number, found):
    """Raise a DataError if line `number` does not have 785 cells."""
    if found != data.CSV_COLUMNS:
        hint = " (Kaggle's test.csv has no label column: use train.csv)" \
            if found == data.N_PIXELS else ""
        raise DataError(f"{path}, line {number}: expected {data.CSV_COLUMNS} comma-separated "
                        f"columns (label, pixel0 ... pixel783), found {found}{hint}")


def _check_row(path, number, cells):
    """Raise a DataError naming the first bad cell of line `number`, if it has one."""
    check_column_count(path, number, len(cells))
    for column, cell in enumerate(cells, start=1):
        name = "label" if column == 1 else f"pixel{column - 2}"
        where = f"{path}, line {number}, column {column} ({name})"
        try:
            value = int(cell)
        except ValueError:
            raise DataError(f"{where}: {cell.strip()!r} is not a whole number; "
                            "fix or delete that line") from None
        high, what = (9, "label") if column == 1 else (255, "pixel value")
        if not 0 <= value <= high:
            raise DataError(f"{where}: {what} {value} is outside 0..{high}; fix or delete that line")


def check_idx_pair(images_path, images, labels_path, labels):
    """Images must be (m, 28, 28) and labels (m,), with the same m > 0 and digits 0..9."""
    if images.ndim != 3 or images.shape[1:] != data.IMAGE_SHAPE:
        raise DataError(f"{images_path}: expected images of shape (m, 28, 28), found {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected labels of shape (m,), found {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                        f"{len(labels)} labels; use an image file and a label file from the same set")
    if len(images) == 0:
        raise DataError(f"{images_path}: holds no images; a data set needs at least one")
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        raise DataError(f"{labels_path}: label {labels[bad[0]]} at index {bad[0]} is outside 0..9 "
                        f"({bad.size} such labels); is this really an MNIST label file?")

r"""Writing files safely: atomic writes, output folders checked up front, models.

Every file this package writes (a model, a metrics file, a figure, the
book's results) goes through `write_atomically`: the bytes go to a hidden
temporary file beside the target, are flushed to the disk, and the file is
renamed into place, which is atomic within one file system. A reader sees
either the old file or the whole new one, never half of one, whatever
happens in between, Ctrl-C included.

A process can also be killed outright (SIGKILL, a power cut) and leave its
temporary file behind. Every temporary name this package makes carries the
id of the process that made it, so a later command removes it once that
process is gone (`clear_orphans`), and never a file a running process, a
concurrent download say, is still writing.

A long run must not be lost at the very end because its output folder
cannot be written: `prepare_output_dir` checks the folder before any work
starts. Errors name the user's path, never an internal temporary file.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import numpy as np

from primitive_nn.errors import DataError, OutputError


def write_atomically(path, write):
    r"""Call `write(file)` on a fresh temporary file beside `path`, then rename it to `path`.

    Raises
    ------
    OutputError
        If the file cannot be written; names `path`. Anything `write` raises
        passes through. Either way the temporary file is removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "note.txt"
    ...     write_atomically(path, lambda f: f.write(b"complete"))
    ...     path.read_bytes()
    b'complete'
    """
    path = Path(path)
    clear_orphans(path.parent, re.compile(rf"\.{re.escape(path.name)}\.(?P<pid>\d+)-\w+\.part"))
    temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    try:
        with open(temp, "xb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)  # atomic within one file system
    except OSError as exc:
        _remove(temp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove(temp)
        raise


def _remove(path):
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def process_alive(pid):
    """True if process `pid` is running (on Windows, always assumed so).

    Examples
    --------
    >>> import os
    >>> process_alive(os.getpid())
    True
    """
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def clear_orphans(folder, pattern):
    """Remove the temporary files and folders in `folder` that a process now gone left behind.

    `pattern` matches the whole name of such an entry, with the id of the
    process that made it in a group named `pid`. Entries of processes that
    still run are left alone.
    """
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            match = pattern.fullmatch(entry.name)
            if match and not process_alive(int(match["pid"])):
                _remove(entry)


def write_text(path, text):
    """Write `text` (UTF-8) to `path`, atomically."""
    write_atomically(path, lambda f: f.write(text.encode("utf-8")))


def write_json(path, value):
    """Write `value` as indented JSON to `path`, atomically, creating its folder."""
    path = Path(path)
    prepare_output_dir(path.parent, "output folder")
    write_text(path, json.dumps(value, indent=2) + "\n")


def read_json(path):
    """Read a JSON file written by this package."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@contextlib.contextmanager
def removed_if_left_empty(path):
    """Run the block; if it fails, remove the folders it made for `path` that stay empty.

    Only the folders that did not exist when the block began are removed,
    deepest first, and only while they are empty: a folder the user made,
    or one that holds anything, is never removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp) / "runs" / "a"
    ...     try:
    ...         with removed_if_left_empty(out):
    ...             out.mkdir(parents=True)
    ...             raise KeyboardInterrupt
    ...     except KeyboardInterrupt:
    ...         pass
    ...     sorted(p.name for p in pathlib.Path(tmp).iterdir())
    []
    """
    new = [] if path is None else [f for f in (Path(path), *Path(path).parents) if not f.exists()]
    try:
        yield
    except BaseException:
        for folder in new:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()  # fails, and is left, unless empty
        raise


def prepare_output_dir(path, option="--out"):
    r"""Create the folder `path` if needed and prove a file can be written in it.

    Call it before a long run, not after.

    Raises
    ------
    OutputError
        If `path` is a file, lies under a file, or cannot be written; the
        message starts with `option` and `path`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     blocker = pathlib.Path(tmp) / "notes.txt"
    ...     _ = blocker.write_text("a file")
    ...     prepare_output_dir(blocker / "run")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    primitive_nn.errors.OutputError: --out .../notes.txt/run: .../notes.txt is a file, not a folder
    """
    path = Path(path)
    for folder in (path, *path.parents):
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{option} {path}: {folder} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot write there ({exc.strerror or exc})") from exc
    return path


def save_model(path, params):
    """Save parameters to an `.npz` file: plain arrays, no pickles, written atomically."""
    write_atomically(path, lambda f: np.savez(f, **params))


def load_model(path):
    """Load parameters saved by `save_model`, refusing pickled objects.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "model.npz"
    ...     save_model(path, {"W1": np.eye(2), "b1": np.zeros((2, 1))})
    ...     {name: p.shape for name, p in load_model(path).items()}
    {'W1': (2, 2), 'b1': (2, 1)}
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a model saved by this package ({exc})") from exc

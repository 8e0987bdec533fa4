"""Every bad input gets one clear line, a non-zero exit, and no traceback; Ctrl-C gets one too.

The table runs the command lines in-process on each case. The Ctrl-C tests
run them as real processes and send them a real SIGINT, or make an import
raise KeyboardInterrupt, which is what a Ctrl-C during the imports does.
"""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import data
from primitive_nn.machinery import data_cli, fetch, figures, files, train_cli
from helpers import write_csv

ROOT = Path(__file__).resolve().parent.parent


def make_inputs(tmp_path):
    """The files the bad-input cases point at, by name."""
    csv = write_csv(tmp_path / "train.csv")
    lines = csv.read_text().splitlines()
    (tmp_path / "blocker").write_text("a file, not a folder")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "labels-idx1-ubyte").write_bytes(data.encode_idx(np.zeros(3, np.uint8)))
    (tmp_path / "short.csv").write_text("\n".join([lines[0], lines[1], lines[2].rsplit(",", 1)[0]]))
    (tmp_path / "words.csv").write_text("\n".join([lines[0], "seven," + lines[1].split(",", 1)[1]]))
    (tmp_path / "label12.csv").write_text("\n".join([lines[0], "12," + lines[1].split(",", 1)[1]]))
    (tmp_path / "noheader.csv").write_text("\n".join(["x" + lines[1], lines[2]]))
    (tmp_path / "zero.csv").write_bytes(b"")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "metrics.json").write_text("{}")
    for folder, images in (("empty", np.zeros((0, 28, 28), np.uint8)),
                           ("tiny", np.zeros((4, 28, 28), np.uint8))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "train-images-idx3-ubyte").write_bytes(data.encode_idx(images))
        (tmp_path / folder / "train-labels-idx1-ubyte").write_bytes(
            data.encode_idx(np.zeros(len(images), np.uint8)))
    (tmp_path / "truncated").mkdir()
    whole = data.encode_idx(np.zeros((4, 28, 28), np.uint8))
    (tmp_path / "truncated" / "train-images-idx3-ubyte").write_bytes(whole[:-100])
    (tmp_path / "truncated" / "train-labels-idx1-ubyte").write_bytes(
        data.encode_idx(np.zeros(4, np.uint8)))
    (tmp_path / "cache").mkdir()
    for name in data.MNIST_FILES:
        (tmp_path / "cache" / name).write_bytes(b"not mnist")


CSV = ["--data", "{tmp}/train.csv", "--dev-size", "10"]

# (command, arguments, a fragment of the one line expected); {tmp} is the test's folder.
CASES = [
    # settings
    ("train", [*CSV, "--iterations", "0"], "--epochs must be a whole number 1 or more, got 0"),
    ("train", [*CSV, "--epochs", "-2"], "--epochs must be a whole number 1 or more, got -2"),
    ("train", [*CSV, "--batch-size", "0"], "--batch-size must be a positive integer"),
    ("train", [*CSV, "--batch-size", "-5"], "--batch-size must be a positive integer"),
    ("train", [*CSV, "--batch-size", "71"], "--batch-size 71 is larger than the training set (70"),
    ("train", [*CSV, "--recipe", "fastest"], "unknown recipe 'fastest'; choose one of seed, linear, he"),
    ("train", [*CSV, "--optimizer", "adamw"], "unknown --optimizer 'adamw'; choose one of sgd, momentum, adam"),
    ("train", [*CSV, "--schedule", "linear"], "unknown --schedule 'linear'; choose one of constant, cosine, step"),
    ("train", [*CSV, "--augment", "elastic"], "unknown --augment 'elastic'; choose one of none, shift, affine"),
    ("train", [*CSV, "--layers", "784,32,9"], "--layers must run from 784 inputs to 10 outputs"),
    ("train", [*CSV, "--layers", "100,10"], "--layers must run from 784 inputs to 10 outputs"),
    ("train", [*CSV, "--layers", "784,x,10"], "--layers takes sizes such as 784,128,10"),
    ("train", [*CSV, "--faithful", "--batch-size", "16"], "--faithful and --defects reproduce the seed's recipe"),
    ("train", [*CSV, "--alpha", "0"], "--alpha must be a positive number"),
    ("train", [*CSV, "--alpha", "nan"], "--alpha must be a positive number"),
    ("train", [*CSV, "--hidden", "0"], "--layers must run from 784 inputs to 10 outputs, each at least 1"),
    ("train", [*CSV, "--seed", "-1"], "--seed must be a whole number 0 or more, got -1"),
    ("train", [*CSV, "--seeds", ""], "--seeds takes a list such as 0-19"),
    ("train", [*CSV, "--seeds", "5-2"], "--seeds takes a list such as 0-19"),
    ("train", [*CSV, "--seeds", "0-1", "--show", "0"], "--show is for a single run"),
    ("train", [*CSV, "--show", "10"], "--show takes dev image indices from 0 to 9"),
    ("train", [*CSV, "--iterations", "ten"], "invalid int value: 'ten'"),
    ("train", [*CSV, "--dev-size", "80"], "dev_size=80 must be at least 0 and smaller than the 80"),
    # learning rates that kill training
    ("train", [*CSV, "--alpha", "1000"], "training diverged at iteration"),
    ("train", [*CSV, "--alpha", "1e10"], "training diverged at iteration"),
    ("train", [*CSV, "--faithful", "--alpha", "1000"], "training diverged at iteration"),
    # places that cannot be written: checked before training
    ("train", [*CSV, "--out", "{tmp}/blocker"], "--out {tmp}/blocker: {tmp}/blocker is a file"),
    ("train", [*CSV, "--out", "{tmp}/blocker/run"], "--out {tmp}/blocker/run: {tmp}/blocker is a file"),
    ("train", [*CSV, "--out", "{tmp}/read-only"], "--out {tmp}/read-only: cannot write there"),
    ("train", [*CSV, "--show", "0"], "--show {tmp}: cannot write there"),
    # data that is not what it claims to be
    ("train", ["--data", "{tmp}/picture.png"], "picture.png: a PNG image, not a CSV"),
    ("train", ["--data", "{tmp}/labels-idx1-ubyte"], "a single IDX file, not a CSV"),
    ("train", ["--data", "{tmp}/missing.csv"], "missing.csv: no such file or directory"),
    ("train", ["--data", "{tmp}/short.csv"], "short.csv, line 3: expected 785"),
    ("train", ["--data", "{tmp}/words.csv"], "words.csv, line 2, column 1 (label): 'seven'"),
    ("train", ["--data", "{tmp}/label12.csv"], "label12.csv, line 2, column 1 (label): label 12"),
    ("train", ["--data", "{tmp}/noheader.csv"], "noheader.csv, line 1: neither a header nor an image"),
    ("train", ["--data", "{tmp}/tiny"], "carries the name of an official MNIST file"),
    ("train", ["--data", "{tmp}/truncated", "--allow-modified"], "truncated: the header promises"),
    ("train", ["--cache-dir", "{tmp}/cache"], "could not fetch train-images-idx3-ubyte"),
    ("train", ["--data", "{tmp}/zero.csv"], "zero.csv: the file is empty"),
    # settings that were accepted, and made no sense
    ("train", [*CSV, "--momentum", "1.5"], "--momentum must be at least 0 and below 1, got 1.5"),
    ("train", [*CSV, "--beta2", "-0.1"], "--beta2 must be at least 0 and below 1, got -0.1"),
    ("train", [*CSV, "--epochs", "3", "--iterations", "5"], "argument --iterations: not allowed with"),
    ("train", [*CSV, "--init", "zero"], "--init zero starts every hidden unit alike"),
    ("train", [*CSV, "--threads", "0"], "--threads must be a whole number 1 or more, got 0"),
    ("train", [*CSV, "--dropout", "1.5"], "--dropout must be at least 0 and below 1, got 1.5"),
    ("train", [*CSV, "--activation", "gelu"], "unknown --activation 'gelu'; choose one of relu, sigmoid, tanh"),
    ("train", [*CSV, "--loss", "hinge"], "unknown --loss 'hinge'; choose one of cross_entropy, squared"),
    ("train", [*CSV, "--dropout", "0.2", "--activation", "tanh"], "--dropout is written for ReLU"),
    ("train", [*CSV, "--faithful", "--loss", "squared"], "--faithful and --defects reproduce the seed's recipe"),
    ("train", [*CSV, "--out", "{tmp}/taken"], "--out {tmp}/taken already holds a run (metrics.json)"),
    ("data", ["--check", "{tmp}/empty", "--allow-modified"], "holds no images"),
    ("data", ["--check", "{tmp}/picture.png"], "a PNG image, not a CSV"),
    ("data", ["--cache-dir", "{tmp}/blocker/cache"], "cannot write into the cache directory"),
]


@pytest.mark.parametrize("command, args, fragment", CASES, ids=[" ".join(c[1]) for c in CASES])
def test_bad_input_gets_one_line_and_a_non_zero_exit(tmp_path, monkeypatch, capsys,
                                                     command, args, fragment):
    make_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(figures, "has_display", lambda: False)
    monkeypatch.setattr(fetch, "MIRRORS", ())
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)  # no npm either
    real_probe = files.tempfile.TemporaryFile

    def probe(*a, dir=None, **k):  # CI runs as root, where chmod stops nothing: simulate
        if Path(dir).name == "read-only" or Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_probe(*a, dir=dir, **k)

    monkeypatch.setattr(files.tempfile, "TemporaryFile", probe)
    main = {"train": train_cli.main, "data": data_cli.main}[command]
    try:
        code = main([a.format(tmp=tmp_path) for a in args] + (["--quiet"] if command == "train" else []))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    err = capsys.readouterr().err
    assert code not in (0, None)
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err and ".part" not in err
    assert fragment.format(tmp=tmp_path) in err, err


# (arguments, a fragment of the one warning line): the run goes on, meaningful, but the user is told.
WARN_CASES = [
    ([*CSV, "--alpha", "1e-300", "--iterations", "2"], "training changed no weight: --alpha 1e-300"),
    ([*CSV, "--batch-size", "16", "--warmup", "100", "--epochs", "2"],
     "--warmup 100 is not shorter than the 2 epochs"),
    ([*CSV, "--momentum", "0.5", "--iterations", "2"], "--momentum has no effect with --optimizer sgd"),
    ([*CSV, "--optimizer", "momentum", "--beta1", "0.5", "--epochs", "1", "--batch-size", "16"],
     "--beta1 has no effect with --optimizer momentum"),
    ([*CSV, "--train-size", "81", "--iterations", "2"],
     "--train-size 81 is more than the 80 training images: training on all of them"),
]


@pytest.mark.parametrize("args, fragment", WARN_CASES, ids=[" ".join(c[0][4:]) for c in WARN_CASES])
def test_settings_that_do_less_than_they_seem_get_one_warning(tmp_path, monkeypatch, capsys,
                                                               args, fragment):
    make_inputs(tmp_path)
    code = train_cli.main([a.format(tmp=tmp_path) for a in args] + ["--quiet"])
    err = capsys.readouterr().err
    assert code == 0 and err.startswith("warning: ") and err.count("\n") == 1, err
    assert fragment in err, err


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_second_run_into_the_same_folder_needs_overwrite(tmp_path, capsys, overwrite):
    csv, out = write_csv(tmp_path / "train.csv"), tmp_path / "run"
    first = [*[a.format(tmp=tmp_path) for a in CSV], "--iterations", "2", "--out", str(out), "--quiet"]
    assert train_cli.main(first) == 0
    written = (out / "metrics.json").read_bytes()
    code = train_cli.main(first + ["--seed", "1"] + (["--overwrite"] if overwrite else []))
    err = capsys.readouterr().err
    assert (code == 0) == overwrite and ((out / "metrics.json").read_bytes() != written) == overwrite
    assert overwrite or "add --overwrite to replace it" in err


def test_a_run_that_fails_leaves_no_folder_it_made(tmp_path, capsys):
    make_inputs(tmp_path)
    out = tmp_path / "new" / "run"
    assert train_cli.main(["--data", str(tmp_path / "short.csv"), "--out", str(out), "--quiet"]) == 1
    assert not (tmp_path / "new").exists()
    made = tmp_path / "mine"
    made.mkdir()
    assert train_cli.main(["--data", str(tmp_path / "short.csv"), "--out", str(made), "--quiet"]) == 1
    assert made.is_dir()  # the user's folder stays


# Every option of the book command that can be wrong, each ending in one line before any work.
BOOK_CASES = [
    (["--seeds", "x"], "--seeds takes a list such as 0-19"),
    (["--seeds", "9-3"], "--seeds takes a list such as 0-19"),
    (["--rerun", "nope"], "unknown experiment 'nope' for --rerun"),
    (["--only", "nope"], "unknown experiment 'nope' for --only"),
    (["--jobs", "0"], "--jobs must be a whole number 1 or more, got 0"),
    (["--only", "gradient_check"], "--only updates {tmp}/docs/results.json, which is missing"),
    (["--docs", "{tmp}/blocker"], "--docs {tmp}/blocker/figures: {tmp}/blocker is a file"),
    (["--reference", "{tmp}/blocker/reference.json"], "--reference {tmp}/blocker: {tmp}/blocker is a file"),
    (["--models", "{tmp}/blocker"], "--models {tmp}/blocker: {tmp}/blocker is a file"),
    (["--runs-dir", "{tmp}/blocker"], "--runs-dir {tmp}/blocker: {tmp}/blocker is a file"),
    (["--cache-dir", "{tmp}/blocker/cache"], "cannot write into the cache directory"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
]


@pytest.mark.parametrize("args, fragment", BOOK_CASES, ids=[" ".join(c[0]) for c in BOOK_CASES])
def test_every_book_option_ends_in_one_line(tmp_path, monkeypatch, capsys, args, fragment):
    from primitive_nn.machinery import book

    make_inputs(tmp_path)
    monkeypatch.setattr(fetch, "MIRRORS", ())
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    keep = ["--docs", str(tmp_path / "docs"), "--reference", str(tmp_path / "ref" / "reference.json"),
            "--models", str(tmp_path / "models"), "--runs-dir", str(tmp_path / "runs")]
    try:
        code = book.main(keep + [a.format(tmp=tmp_path) for a in args] + ["--quiet"])
    except SystemExit as exit_:  # argparse
        code = exit_.code
    err = capsys.readouterr().err
    assert code not in (0, None)
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert fragment.format(tmp=tmp_path) in err, err


def test_the_book_lists_its_experiments_with_their_pages(capsys):
    from primitive_nn.machinery import book, lab

    assert book.main(["--list", "--runs-dir", "nowhere"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(lab.EXPERIMENTS) >= 13
    assert any(line.split()[:3] == ["ladder", "ladder", "not"] for line in lines)


# ---------------------------------------------------------------- as real processes


def run(args, env=None, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          timeout=120, cwd=kwargs.pop("cwd", ROOT), env=env, **kwargs)


def test_a_process_prints_no_progress_bars_into_a_log(tmp_path):
    csv = write_csv(tmp_path / "train.csv")
    result = run(["primitive_nn.train", "--data", str(csv), "--dev-size", "10", "--iterations", "30"])
    assert result.returncode == 0
    assert result.stderr == ""  # stderr is a pipe here: no bar, not one line per update
    records = [line for line in result.stdout.splitlines() if line.startswith("iteration ")]
    assert len(records) == 3  # the records every 10 iterations remain


# Ctrl-C (SIGINT) and SIGTERM (kill, timeout, a job scheduler) end a command the same way:
# one line, everything it was writing cleaned up, and the shell's status for the signal.
SIGNALS = {"SIGINT": (signal.SIGINT, 130, "interrupted\n"),
           "SIGTERM": (signal.SIGTERM, 143, "terminated\n")}


@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("command", ["primitive_nn.train", "primitive_nn.data", "primitive_nn.book",
                                     "primitive_nn.predict"])
def test_a_signal_during_the_imports_ends_with_one_line(tmp_path, command, name):
    number, code, line = SIGNALS[name]
    shim = tmp_path / "shim" / "numpy"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(  # as if the signal came while NumPy was being imported
        f"import os, signal\nos.kill(os.getpid(), signal.Signals({int(number)}))\n")
    result = run([command], env={"PYTHONPATH": f"{tmp_path / 'shim'}:{ROOT}"})
    assert (result.returncode, result.stderr, result.stdout) == (code, line, "")


def start(argv, **popen_options):
    """Start `argv` as a process that a Ctrl-C reaches.

    A shell starts background jobs with SIGINT ignored, children inherit
    that, and a Python started that way never raises KeyboardInterrupt; so
    the child puts SIGINT back to its default before it runs, as a terminal
    would have it.
    """
    return subprocess.Popen(argv, text=True, cwd=ROOT, **popen_options,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def signal_when(process, ready, number, timeout=60):
    """Send signal `number` to `process` once `ready()` is true; return (code, stdout, stderr)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, "never got ready"
        time.sleep(0.05)
    process.send_signal(number)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("the process was still running 60 s after the signal")
    return process.returncode, out, err


def leftovers(folder):
    """Temporary files and folders of this package anywhere under `folder`."""
    return [p for p in Path(folder).rglob("*")
            if p.name.endswith(".part") or p.name.startswith((".fetch-", "primitive_nn-npm-"))]


@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_during_training_ends_with_one_line_and_removes_the_new_out_folder(tmp_path, name):
    number, code, line = SIGNALS[name]
    csv, out, printed = write_csv(tmp_path / "train.csv"), tmp_path / "runs" / "a", tmp_path / "out.txt"
    with open(printed, "w") as stdout:
        process = start(
            [sys.executable, "-m", "primitive_nn.train", "--data", str(csv), "--dev-size", "10",
             "--iterations", "100000000", "--out", str(out)], stdout=stdout, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        result = signal_when(process, lambda: "iteration   10" in printed.read_text(), number)
    assert (result[0], result[2]) == (code, line)
    assert not (tmp_path / "runs").exists() and not leftovers(tmp_path)


@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_while_fetching_ends_with_one_line_and_leaves_nothing(tmp_path, name):
    number, code, line = SIGNALS[name]
    bin_dir, started, temp = tmp_path / "bin", tmp_path / "npm-started", tmp_path / "tmp"
    bin_dir.mkdir()
    temp.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!{sys.executable}\nimport pathlib, time\n"
                   f"pathlib.Path({str(started)!r}).touch()\ntime.sleep(60)\n")
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "TMPDIR": str(temp),
           "HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}  # mirrors fail fast
    process = start([sys.executable, "-m", "primitive_nn.data", "--cache-dir", str(cache)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert signal_when(process, started.exists, number) == (code, "", line)
    assert list(cache.iterdir()) == [] and list(temp.iterdir()) == []


def finished_pid():
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_files_a_killed_process_left_are_removed_and_a_running_ones_kept(tmp_path, monkeypatch):
    """SIGKILL leaves temporary files; the next command clears them, if their process is gone."""
    dead, alive = finished_pid(), os.getppid()
    out = tmp_path / "run"
    out.mkdir()
    for pid in (dead, alive):
        (out / f".model.npz.{pid}-0a1b2c3d.part").write_bytes(b"half a model")
    files.save_model(out / "model.npz", {"W1": np.zeros((1, 1))})
    assert sorted(p.name for p in out.iterdir()) == [f".model.npz.{alive}-0a1b2c3d.part", "model.npz"]
    cache, temp = tmp_path / "cache", tmp_path / "tmp"
    for folder in (cache / f".fetch-{dead}", cache / f".fetch-{alive}",
                   temp / f"primitive_nn-npm-{dead}-abc", temp / f"primitive_nn-npm-{alive}-abc"):
        folder.mkdir(parents=True)
        (folder / "train-images-idx3-ubyte").write_bytes(b"a partial download")
    monkeypatch.setattr(fetch.tempfile, "gettempdir", lambda: str(temp))
    monkeypatch.setattr(fetch, "MIRRORS", ())
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    with pytest.raises(fetch.DataError):  # nothing to fetch from: but the orphans are gone
        fetch.fetch_mnist(cache)
    assert [p.name for p in cache.iterdir()] == [f".fetch-{alive}"]
    assert [p.name for p in temp.iterdir()] == [f"primitive_nn-npm-{alive}-abc"]


def test_figures_are_written_atomically(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), layout="constrained")
    fig.add_subplot().plot([0, 1])

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        figures.save(fig, tmp_path / "figure.png")
    assert list(tmp_path.iterdir()) == []

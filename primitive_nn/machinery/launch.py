r"""Starting a command line, so that Ctrl-C at any moment ends with one line.

`python -m primitive_nn.train` runs `primitive_nn/train.py` as a script. Its
first statement, before it imports NumPy, hands over to `launch("train")`,
which imports the command's module and runs it. Importing NumPy, matplotlib
and pooch takes a noticeable moment, and a Ctrl-C in that moment would
otherwise end in a traceback; here it ends, like a Ctrl-C during training,
with the line `interrupted` and exit status 130 (128 + SIGINT, the shell's
convention).

SIGTERM, which `kill`, `timeout` and job schedulers send, is turned into an
exception too (`Terminated`), so that a terminated command cleans up exactly
as an interrupted one does: every temporary file is removed by the code that
made it, and the command ends with the line `terminated` and status 143.
"""

import importlib
import signal
import sys

COMMANDS = {  # command -> module whose main(argv) runs it
    "train": "primitive_nn.machinery.train_cli",
    "data": "primitive_nn.machinery.data_cli",
    "book": "primitive_nn.machinery.book",
    "predict": "primitive_nn.machinery.predict_cli",
}
INTERRUPTED = 130  # 128 + signal 2 (SIGINT)
TERMINATED = 143   # 128 + signal 15 (SIGTERM)


class Terminated(BaseException):
    """SIGTERM (`kill`, `timeout`, a job scheduler) as an exception, so every `finally` runs."""


def _terminate(signum, frame):
    raise Terminated


def launch(command, argv=None):
    """Import and run `command`'s main(argv); return its exit status, 130 on Ctrl-C, 143 on SIGTERM."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return importlib.import_module(COMMANDS[command]).main(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except Terminated:
        print("terminated", file=sys.stderr)
        return TERMINATED


def train():
    """The `primitive-nn-train` console script."""
    sys.exit(launch("train"))


def data():
    """The `primitive-nn-data` console script."""
    sys.exit(launch("data"))


def predict():
    """The `primitive-nn-predict` console script."""
    sys.exit(launch("predict"))

r"""What every command line shares: one-line errors, one-line warnings, help with defaults.

A command's `main(argv)` is wrapped by `command`, which turns every problem
the user can fix into a single `error: ...` line on stderr and a non-zero
exit status, shows each warning as a single `warning: ...` line, and answers
Ctrl-C with `interrupted` and status 130, SIGTERM with `terminated` and 143.
No traceback reaches the user unless the package itself is broken.
"""

import argparse
import functools
import sys
import warnings

from primitive_nn.errors import PrimitiveNNError, PrimitiveNNWarning
from primitive_nn.machinery.launch import INTERRUPTED, TERMINATED, Terminated
from primitive_nn.machinery.threads import limited


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Show "(default: X)" where there is a default to show and the help does not give it."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An argument parser that shows defaults in --help and reports a bad option in one line."""

    def __init__(self, **kwargs):
        super().__init__(formatter_class=_Help, **kwargs)

    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def command(main):
    """Decorate `main(argv) -> int` with the one-line error, warning and Ctrl-C handling.

    The command's matrix products run on `primitive_nn.machinery.threads.DEFAULT`
    threads.
    """
    @functools.wraps(main)
    def wrapped(argv=None):
        with warnings.catch_warnings(), limited():
            warnings.simplefilter("default", PrimitiveNNWarning)
            warnings.showwarning = _show_warning
            try:
                return main(argv)
            except PrimitiveNNError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            except OSError as error:  # a full disk, a vanished file, ...
                where = f": {error.filename}" if error.filename else ""
                print(f"error: {error.strerror or error}{where}", file=sys.stderr)
                return 1
            except KeyboardInterrupt:
                print("interrupted", file=sys.stderr)
                return INTERRUPTED
            except Terminated:
                print("terminated", file=sys.stderr)
                return TERMINATED
    return wrapped

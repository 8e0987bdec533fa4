r"""Errors and warnings that speak to people.

Every mistake a user can make (a damaged data file, a bad option, a learning
rate so large that training dies) raises a subclass of `PrimitiveNNError`.
Its message names the file, the value or the iteration and says what to do
next. The command-line tools catch this one class and print its message as a
single line, so a user never sees a raw traceback.

Something worth knowing that does not stop the work (a cached file that
failed its checksum and is fetched again, data used although it differs from
the official files, a setting that changes nothing) is a `DataWarning` or a
`TrainingWarning`, issued with `warnings.warn`. Library
code never prints; the command-line tools show each warning as one
`warning: ...` line.

Examples
--------
>>> from primitive_nn.errors import DataError, PrimitiveNNError
>>> issubclass(DataError, PrimitiveNNError)
True
>>> str(DataError("train.csv, line 3: expected 785 columns, found 784"))
'train.csv, line 3: expected 785 columns, found 784'
"""


class PrimitiveNNError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class DataError(PrimitiveNNError):
    """A data file is missing, damaged, or not what it claims to be."""


class TrainingError(PrimitiveNNError):
    """Training cannot go on: a bad setting, or a run that diverged."""


class OutputError(PrimitiveNNError):
    """A result cannot be written where the user asked for it."""


class PrimitiveNNWarning(UserWarning):
    """Base class: the work goes on, but the user should know something about it."""


class DataWarning(PrimitiveNNWarning):
    """The data is usable, but the user should know something about it."""


class TrainingWarning(PrimitiveNNWarning):
    """The run is meaningful, but a setting does less than it seems to."""

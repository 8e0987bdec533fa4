r"""Errors that speak to people.

Every mistake a user can make (a damaged data file, a bad option, a learning
rate so large that the loss overflows) raises a subclass of
`PrimitiveNNError`. Its message names the file, the value or the iteration and
says what to do next. The command-line tools catch this one class and print
its message as a single line, so a user never sees a raw traceback.

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
    """Training cannot go on: a bad setting, or a loss that became NaN or inf."""

"""Exceptions the library raises for bad input; the CLI turns each into one line."""

MAX_REASON_CHARS = 200  # of another library's error message, quoted in ours


def reason(error: BaseException) -> str:
    """The first line of ``error``'s message (at most MAX_REASON_CHARS), or its type's name
    if it has none: another library's error, quoted in one of ours."""
    text = str(error).splitlines()[0] if str(error) else ""
    return text[:MAX_REASON_CHARS] or type(error).__name__


class MnistAppError(Exception):
    """Base class: anything the user can fix (bad file, bad data, unreachable mirror)."""

    @property
    def lines(self) -> list[str]:
        """The message as the lines to show: one, unless the error reports several failures."""
        return [str(self)]


class DownloadError(MnistAppError):
    """Every mirror failed for at least one MNIST file: one line (failure) per such file,
    then, if no mirror could be reached at all, one saying how to do without them."""

    def __init__(self, *failures: str):
        super().__init__("\n".join(failures))
        self.failures = failures

    @property
    def lines(self) -> list[str]:
        return list(self.failures)


class IdxFormatError(MnistAppError):
    """An IDX file is malformed: wrong magic, truncated, trailing bytes, bad labels."""


class ModelFileError(MnistAppError):
    """A weights file is missing, not an npz, of an unknown format, or holds bad arrays."""


class ImageError(MnistAppError):
    """An image cannot be read or holds no digit."""


class ImageTooLarge(ImageError):
    """An image over a bound of :mod:`mnist_app.limits`, judged before its pixels are decoded."""


class NoDigitFound(ImageError):
    """Preprocessing found nothing that stands out from the paper: a blank picture."""

    def __init__(self, message: str = "no digit found"):
        super().__init__(message)


class NotADigit(ImageError):
    """The image holds something, but the model's rule says it is not a digit."""

    def __init__(self, message: str = "not a digit"):
        super().__init__(message)


class SeveralDigits(ImageError):
    """The image holds a number, not one digit: ``predict --number`` reads it."""

    def __init__(self, message: str = "several digits: read them with --number"):
        super().__init__(message)


class FontsMissing(MnistAppError):
    """No installed font types the digits that training was asked to generate."""


class TrainingDiverged(MnistAppError):
    """The weights became infinite or NaN during training (the learning rate is too high)."""

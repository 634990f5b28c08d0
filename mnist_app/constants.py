"""Numbers and names that several modules share, defined once.

MNIST's convention: a digit is a FRAME x FRAME grey image, ink 255 on 0, scaled to fit a
BOX x BOX square and centred by mass; the network reads it as INPUT_SIZE values in [0, 1]
and answers with one output per digit.
"""

FRAME = 28  # MNIST images are FRAME x FRAME pixels
BOX = 20  # the digit is scaled to fit BOX x BOX inside the frame
INPUT_SIZE = FRAME * FRAME  # 784 network inputs, the image's pixels row by row
N_CLASSES = 10  # one network output per digit 0-9
PIXEL_SCALE = 1.0 / 255.0  # uint8 grey level -> network input in [0, 1]

DEFAULT_HIDDEN = (30,)
DEFAULT_SIZES = (INPUT_SIZE, *DEFAULT_HIDDEN, N_CLASSES)
DEFAULT_COST = "cross-entropy"
DEFAULT_INIT = "scaled"


def model_file_name(sizes) -> str:
    """The default weights file name for layer ``sizes``: e.g. "mnist-784-30-10.npz"."""
    return f"mnist-{'-'.join(str(n) for n in sizes)}.npz"


DEFAULT_MODEL_NAME = model_file_name(DEFAULT_SIZES)

N_TRAIN_IMAGES = 60_000  # MNIST's training set...
VALIDATION_IMAGES = 10_000  # ...whose last this many are the validation split, kept out of training...
VALIDATION_SPLIT = slice(N_TRAIN_IMAGES - VALIDATION_IMAGES, N_TRAIN_IMAGES)  # ...these training images
MASS_CENTRE = 14.0  # row and column (pixel index) of a digit's centre of mass in MNIST
JSON_DECIMALS = 6  # floats in JSON answers (CLI --json and the web API) are rounded to this many decimals
NOT_A_DIGIT = N_CLASSES  # the training label of an image that holds no digit: all targets 0
DEFAULT_TEACH_ETA = 0.5  # learning rate of a teaching step (mnist_app.teach: `backprop`, the page)
SURE_DIGIT = 0.8  # a digit read with less confidence than this may be several, written close (numbers, predict)

"""Bounds on everything the app reads, each derived from what a legitimate input needs.

A digit photo is a few megabytes; a weights file a few hundred kilobytes; MNIST's files
have known sizes (kept with their hashes in :mod:`mnist_app.data`). Anything beyond these
bounds is refused with one clear error before memory or time is spent on it.
The server's own bounds (request sizes and deadlines, connections, unread answers) are
in :mod:`mnist_app.web.settings`, which the command line reads without numpy.
"""

MiB = 1 << 20

# --- images (mnist_app.decode) -------------------------------------------------------
# The bytes of one image file or of stdin: a camera JPEG is 3-15 MB, an uncompressed
# 20-megapixel RGB TIFF 60 MB.
MAX_IMAGE_FILE_BYTES = 64 * MiB
# Pixels of one image, as Pillow counts them for its decompression-bomb warning.
MAX_IMAGE_PIXELS = 89_478_485
# Decoders spend per row of pixels about what ROW_COST_PIXELS pixels cost (measured: a
# 1 x 89,000,000 PNG took 1.6 GB and 9.5 s in Pillow, 89,000,000 x 1 took 0.3 GB and
# 1.5 s), so an image counts as (width + ROW_COST_PIXELS) x height pixels.
ROW_COST_PIXELS = 64
# Memory of the decoded image (Pillow holds RGB and RGBA as 4 bytes a pixel, 16-bit grey
# as 2; an ICO's embedded images count as RGBA, judged from their headers before Pillow,
# which decodes them inside Image.open, sees them). Reading it costs at most about three
# times as much: `predict`'s peak RSS on black PNGs (about 40 MB of it Python and numpy)
# is 137 MB for 11000x8000 grey (84 MB decoded), 195 MB for 5700x5700 RGB (124 MB),
# 350 MB for the same in RGBA, all transparent, and 248 MB for 8150x8150 16-bit grey
# (127 MB; it was 1.0 GB before those were read a strip at a time). JPEGs are decoded at
# a reduced scale, so this rarely binds them.
MAX_DECODED_BYTES = 128 * MiB
# 16-bit, 32-bit and float greys become 8-bit grey (mnist_app.preprocess.picture) this many
# pixels at a time: a strip costs 4 MB of float32, where the whole picture in floats took
# several times 4 bytes a pixel.
GREY_STRIP_PIXELS = 1 << 20
# A progressive JPEG decodes every scan over the whole image (measured: 8 ms per scan for
# 81 megapixels even at 1/8 scale), so scans x pixels is bounded; ordinary progressive
# files have 6-12 scans.
MAX_JPEG_SCANS = 1000
MAX_JPEG_SCAN_PIXELS = 2_000_000_000

# --- weights files (mnist_app.model_io) ------------------------------------------------
# A 784-4096-10 float64 network (the largest `train` builds) is 26 MB of parameters.
MAX_MODEL_PARAMETERS = 16_000_000
MAX_MODEL_LAYERS = 16  # sizes entries, input and output included
MAX_MODEL_FILE_BYTES = 8 * MAX_MODEL_PARAMETERS + 64 * MiB
MAX_MODEL_MEMBERS = 256  # zip entries; a model has 2 + 2 per layer
MAX_METADATA_CHARS = 4 * MiB  # the JSON metadata, training history included
# The largest figure (epoch number, cost, rate, seconds) the report charts from a model's
# training history: far above what training records (costs of a few thousand, rates below
# 1e3, epochs below 1e6), far below where an axis's round ticks overflow (near 1.7e308).
# A history past it is shown as a note saying so, not as charts.
MAX_CHARTED_FIGURE = 1e12

# --- downloads (mnist_app.download) ----------------------------------------------------
# Each file must arrive from one mirror within this many --timeout periods, however the
# mirror trickles it: 4 x 15 s by default, which needs 170 KB/s for the 9.9 MB file.
DOWNLOAD_DEADLINE_TIMEOUTS = 4

# --- live training (mnist_app.live, mnist_app.web.live) ---------------------------------
# What a run started from the page may ask for: the settings' ranges. A 784-100-10 network
# on 50,000 images for 30 epochs at batch 1 is still a few minutes of one core.
LIVE_HIDDEN = (10, 100)  # hidden neurons
LIVE_EPOCHS = (1, 30)
LIVE_EXAMPLES = (1_000, 50_000)  # training images (the first of MNIST's 50,000)
LIVE_BATCH_SIZE = (1, 1_000)
LIVE_ETA = (0.001, 100.0)  # learning rate
# One run at a time per server; it is stopped (its weights kept) after this many seconds
# of training. 30 epochs of 50,000 at batch 10 take about 5 minutes on one core.
LIVE_MAX_TRAINING_SECONDS = 15 * 60
# A stopped run gets this long to save its weights before its process is killed.
LIVE_STOP_GRACE_SECONDS = 10
# Each event stream holds one of the server's threads for its whole life. At most this many
# are open at once, and never so many that fewer than LIVE_FREE_THREADS threads are left
# for the other requests; past that, 503 with Retry-After. (Browsers open at most 6
# connections to one host over HTTP/1.1.)
LIVE_MAX_STREAMS = 3
LIVE_FREE_THREADS = 2
LIVE_RETRY_AFTER_SECONDS = 10
# A stream ends after this long (the browser then reconnects and is sent the run so far),
# sends a comment line when it has been quiet this long (proxies close idle connections),
# and looks this often whether its client has gone.
LIVE_STREAM_LIFETIME_SECONDS = 20 * 60
LIVE_HEARTBEAT_SECONDS = 15
LIVE_DISCONNECT_POLL_SECONDS = 1

# --- numbers (mnist_app.numbers, preprocess.groups) ----------------------------------------
# Marks bigger than specks in one line of a number: a 20-digit number whose every digit the
# pen broke into five strokes. Grouping them weighs every pair after each join (cubic in
# their number): a page of 1,200 dots took 410 s, 360 dots 13 s; 100 dots in rows that join, 0.2-0.4 s.
MAX_NUMBER_MARKS = 100
# Digit heights of touching or doubtful marks cut apart in one line of a number (the widest
# run of marks in 360 generated numbers, 60 of each family, spans 7.1: 8 typed digits).
# Weighing the ways to cut them grows with their width, 0.16-0.3 s a digit height; a wave
# 186 digit heights long took 32 s and 960 MB, eight waves of 11 took 14 s; one of 11, 3 s.
MAX_CUT_WIDTH = 12
# Plain `predict` cuts one mark it reads as no digit, to tell whether touching digits make
# it (then it says "several digits"), only up to this many digit heights wide: two to four
# touching digits (a touching pair: 140-190 ms in all, against 4 ms to say "not a digit"),
# where a wave 7 digit heights long took 1.2 s.
MAX_PLAIN_CUT_WIDTH = 4

# --- teaching (mnist_app.teach: `mnist-app backprop`, POST /api/backprop) --------------
# A step of eta 100 already throws every sigmoid of a 784-30-10 network into saturation;
# 100 steps on one example take about 10 ms. The page replays its corrections on every
# request (the server keeps no state), so their number bounds a request's work.
MAX_TEACH_ETA = 100.0
MAX_TEACH_STEPS = 100
MAX_CORRECTIONS = 32
# The JSON of one correction: 784 grey levels of up to 3 digits, separators, some
# whitespace; about 3.3 kB written compactly. The field is refused unread past this.
MAX_CORRECTION_JSON_BYTES = 8 * 1024

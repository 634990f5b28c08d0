"""Command cases about files: special files as images, bad images in folders, pictures costly
to read, bad model files and bad MNIST data directories."""

from __future__ import annotations

import functools
import gzip
import os
import stat
from pathlib import Path

from fuzz import content, images, models
from fuzz.runner import Case

BAD, USAGE, OK, INTERRUPTED = frozenset({1}), frozenset({2}), frozenset({0}), frozenset({130})
# A picture costly to read must be answered within these, alone, by predict and predict --number
# (the slowest, a row of 99 scribbles, takes about 3 s and 100 MB on a quiet machine).
CONTENT_SECONDS = 15.0
CONTENT_RSS = 300 << 20
MNIST_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def make_device(path: Path, minor: int) -> None:
    """A character device node like /dev/null (minor 3), /dev/zero (5) or /dev/full (7)."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))


def _write(name: str, content: bytes):
    return lambda work: (work / name).write_bytes(content)


def _good_image(work: Path) -> None:
    (work / "good.png").write_bytes(images.encodings()["png-L"])


def _lines(expected: int, stream="stdout"):
    def check(result):
        lines = getattr(result, stream).splitlines()
        return [] if len(lines) == expected else [f"{len(lines)} {stream} lines, expected {expected}"]
    return check


def special_image_cases() -> list[Case]:
    def fifo(work):
        os.mkfifo(work / "fifo.png")

    def zero_link(work):
        (work / "zero.png").symlink_to("/dev/zero")

    def folder_with_fifo(work):
        (work / "photos").mkdir()
        for name in ("a.png", "c.png"):
            (work / "photos" / name).write_bytes(images.encodings()["png-L"])
        os.mkfifo(work / "photos" / "b.png")
        (work / "photos" / "d.png").symlink_to("/dev/zero")
        (work / "photos" / "e.png").mkdir()

    def big_stdin(work):
        with open(work / "big.bin", "wb") as file:
            file.truncate(3 << 30)  # sparse: 3 GB of zeros that take no disk

    c = "special files"
    return [
        Case(c, "FIFO as image", ["predict", "{work}/fifo.png"], BAD, fifo, timeout=10),
        Case(c, "/dev/zero link as image", ["predict", "{work}/zero.png"], BAD, zero_link),
        Case(c, "/dev/zero as image", ["predict", "/dev/zero"], BAD),
        Case(c, "/dev/null as image", ["predict", "/dev/null"], BAD),
        Case(c, "directory named .png", ["predict", "{work}/d.png"], BAD, lambda w: (w / "d.png").mkdir()),
        # a folder's entries that are not regular files are skipped, as hidden files are
        Case(c, "folder with FIFO, /dev/zero link, dir", ["predict", "{work}/photos"], OK, folder_with_fifo,
             timeout=10, check=_lines(2)),
        Case(c, "stdin /dev/zero", ["predict", "-"], BAD, stdin="/dev/zero"),
        Case(c, "stdin sparse 3 GB file", ["predict", "-"], BAD, big_stdin, stdin="{work}/big.bin"),
        Case(c, "stdin FIFO without writer", ["predict", "-"], BAD, lambda w: os.mkfifo(w / "in"), stdin="{work}/in",
             timeout=10),
        Case(c, "stdin empty", ["predict", "-"], BAD),
        Case(c, "image path 5000 chars", ["predict", "a" * 5000 + ".png"], BAD),
        Case(c, "image name 300 chars", ["predict", "b" * 300 + ".png"], BAD),
    ]


def image_cases(quick: bool) -> list[Case]:
    """Each hostile image through `predict`, alone and in a folder between two good images."""
    names = ["palette-big-trns.png", "lab.tiff", "jpeg-3000-scans.jpg"] if quick else sorted(images.HOSTILE)
    cases = []
    for name in names:
        content = images.HOSTILE[name]()
        cases.append(Case("hostile images", name, ["predict", f"{{work}}/{name}"], frozenset({0, 1}),
                          _write(name, content), timeout=30))

        def folder(work, name=name, content=content):
            (work / "photos").mkdir()
            (work / "photos" / name).write_bytes(content)
            for good in ("0-good.png", "z-good.png"):
                (work / "photos" / good).write_bytes(images.encodings()["png-L"])
        cases.append(Case("hostile images", f"folder with {name}", ["predict", "{work}/photos"],
                          frozenset({0, 1}), folder, timeout=30, check=_good_images_read(2)))
    return cases


def content_cases(quick: bool) -> list[Case]:
    """Each picture of :mod:`fuzz.content` through `predict` and `predict --number`: an
    answer or one error line, within CONTENT_SECONDS and CONTENT_RSS."""
    names = content.QUICK_CONTENT if quick else sorted(content.CONTENT)
    cases = []
    for name in names:
        write = _write(name, content.CONTENT[name]())
        for options in ([], ["--number"]):
            cases.append(Case("costly content", " ".join([name, *options]), ["predict", *options, f"{{work}}/{name}"],
                              frozenset({0, 1}), write, timeout=CONTENT_SECONDS, max_rss=CONTENT_RSS))
    return cases


def _good_images_read(count: int):
    def check(result):
        read = [line for line in result.stdout.splitlines() if "good.png: " in line]
        return [] if len(read) == count else [f"only {len(read)} of the {count} good images were read"]
    return check


def model_cases(quick: bool) -> list[Case]:
    names = ["sizes-784-30-11", "npy-huge-shape", "metadata-deep-nesting", "good-784-30-10"] \
        if quick else [n for n in sorted(models.MODELS) if n not in models.HEAVY]
    cases = []
    for name in names:
        build, verdict = models.MODELS[name]

        def setup(work, build=build):
            _good_image(work)
            build(work / "model.npz")
        expect = OK if verdict == "accept" else BAD
        cases.append(Case("model files", name, ["predict", "--model", "{work}/model.npz", "{work}/good.png"],
                          expect, setup))
    special = {"FIFO": lambda w: os.mkfifo(w / "model.npz"), "/dev/zero link": lambda w: (w / "model.npz").symlink_to("/dev/zero"),
               "directory": lambda w: (w / "model.npz").mkdir(), "device node": lambda w: make_device(w / "model.npz", 5),
               "sparse 3 GB": lambda w: open(w / "model.npz", "wb").truncate(3 << 30)}
    for name, make in (list(special.items())[:2] if quick else special.items()):
        cases.append(Case("model files", f"--model {name}", ["predict", "--model", "{work}/model.npz", "{work}/good.png"],
                          BAD, lambda w, make=make: (_good_image(w), make(w)), timeout=10))
    return cases


def data_dir_cases(mnist: Path | None, mirror_404: str, quick: bool) -> list[Case]:
    """`evaluate` on a data directory whose test images (or train images) are replaced."""
    if mnist is None:
        return []
    target = "t10k-images-idx3-ubyte.gz"
    real = (mnist / target).read_bytes()

    def with_fault(fault, name=target):
        def setup(work):
            data = work / "data"
            data.mkdir()
            for other in MNIST_NAMES:
                if other != name:
                    (data / other).symlink_to(mnist / other)
            fault(data / name)
        return setup

    def bomb(path):
        path.write_bytes(_gzip_of_zeros((128 << 20) if quick else (1 << 30)))

    def sparse(path):
        with open(path, "wb") as file:
            file.truncate(10 << 30)

    faults = {
        "missing": (lambda p: None, BAD),
        "symlink to /dev/zero": (lambda p: p.symlink_to("/dev/zero"), BAD),
        "FIFO": (lambda p: os.mkfifo(p), BAD),
        "directory": (lambda p: p.mkdir(), BAD),
        "device node": (lambda p: make_device(p, 5), BAD),
        "gzip bomb 1 GB": (bomb, BAD),
        "truncated gzip": (lambda p: p.write_bytes(real[: len(real) // 2]), BAD),
        "empty": (lambda p: p.write_bytes(b""), BAD),
        "labels instead": (lambda p: p.symlink_to(mnist / "t10k-labels-idx1-ubyte.gz"), BAD),
        "sparse 10 GB": (sparse, BAD),
        "symlink loop": (lambda p: p.symlink_to(p.name), BAD),
        "raw IDX": (lambda p: p.write_bytes(gzip.decompress(real)), OK),
        "two gzip members": (lambda p: p.write_bytes(gzip.compress(gzip.decompress(real)[:5000])
                                                     + gzip.compress(gzip.decompress(real)[5000:])), OK),
        "trailing garbage": (lambda p: p.write_bytes(real + b"garbage"), BAD),
        "gzip with 1 MB name field": (lambda p: p.write_bytes(_gzip_with_name(gzip.decompress(real), 1 << 20)), OK),
    }
    if quick:
        faults = {name: faults[name] for name in ("symlink to /dev/zero", "FIFO", "gzip bomb 1 GB")}
    cases = []
    argv = ["evaluate", "--data-dir", "{work}/data", "--mirror", mirror_404, "--json"]
    for name, (fault, expect) in faults.items():
        cases.append(Case("data directories", name, argv, expect, with_fault(fault), timeout=30))
    if quick:
        return cases
    cases.append(Case("data directories", "train images: symlink to /dev/zero", argv, BAD,
                      with_fault(lambda p: p.symlink_to("/dev/zero"), "train-images-idx3-ubyte.gz")))
    cases.append(Case("data directories", "stale .part is removed", argv, OK,
                      with_fault(lambda p: (p.symlink_to(mnist / target),
                                            (p.parent / f".{target}.12345.abcd.part").write_bytes(b"x"))),
                      outputs=(f"data/.{target}.12345.abcd.part",)))
    for name, setup in {"is a file": lambda w: (w / "data").write_bytes(b"x"),
                        "is a FIFO": lambda w: os.mkfifo(w / "data"),
                        "is a device": lambda w: make_device(w / "data", 3)}.items():
        cases.append(Case("data directories", f"--data-dir {name}", argv, BAD, setup, timeout=10))
    cases.append(Case("data directories", "--data-dir 5000 chars", ["evaluate", "--data-dir", "d" * 5000,
                                                                     "--mirror", mirror_404], BAD))
    return cases


@functools.cache
def _gzip_of_zeros(size: int) -> bytes:
    import zlib
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 24)
    return b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()


def _gzip_with_name(content: bytes, name_bytes: int) -> bytes:
    """A gzip member whose optional FNAME header field is ``name_bytes`` long."""
    import struct
    import zlib
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", 0) + b"\x00\xff" + b"n" * name_bytes + b"\x00"
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = compressor.compress(content) + compressor.flush()
    return header + body + struct.pack("<II", zlib.crc32(content), len(content) & 0xFFFFFFFF)

"""Command cases about arguments, outputs, signals and hostile mirrors."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from fuzz import images
from fuzz.cases_files import BAD, INTERRUPTED, OK, USAGE, make_device
from fuzz.runner import Case

ANY_FAILURE = frozenset({1, 2})
TERMINATED = frozenset({143})  # SIGTERM, after the same clean-up as Ctrl-C
KILLED = frozenset({-signal.SIGKILL})  # as Popen reports a process that SIGKILL ended


def _good_image(work: Path) -> None:
    (work / "good.png").write_bytes(images.encodings()["png-L"])


def _folder(work: Path, count: int = 300) -> None:
    (work / "photos").mkdir()
    for i in range(count):
        (work / "photos" / f"{i:04}.png").write_bytes(images.encodings()["png-L"])


def argument_cases(mnist: Path | None, mirror_404: str) -> list[Case]:
    c = "arguments"
    data = ["--data-dir", "{work}/mnist", "--mirror", mirror_404]
    train = ["train", *data, "--epochs", "1"]
    bad_train = {
        "--hidden 10000000000": ["--hidden", "10000000000"],
        "--hidden 0": ["--hidden", "0"],
        "--hidden 30,,30": ["--hidden", "30,,30"],
        "--hidden 100000,100000": ["--hidden", "100000,100000"],
        "--seed -1": ["--seed", "-1"],
        "--seed 2**70": ["--seed", str(2**70)],
        "--timeout inf": ["--timeout", "inf"],
        "--timeout nan": ["--timeout", "nan"],
        "--timeout -1": ["--timeout", "-1"],
        "--timeout 1e309": ["--timeout", "1e309"],
        "--epochs 0": ["--epochs", "0"],
        "--epochs 10**12": ["--epochs", str(10**12)],
        "--batch-size 0": ["--batch-size", "0"],
        "--batch-size 10**12": ["--batch-size", str(10**12)],
        "--lr nan": ["--lr", "nan"],
        "--lr inf": ["--lr", "inf"],
        "--lr -1": ["--lr", "-1"],
        "--momentum 1": ["--momentum", "1"],
        "--momentum nan": ["--momentum", "nan"],
        "--l2 nan": ["--l2", "nan"],
        "--l2 -1": ["--l2", "-1"],
        "--shift 28": ["--shift", "28"],
        "--shift -1": ["--shift", "-1"],
        "--validation -1": ["--validation", "-1"],
        "--validation 60000": ["--validation", "60000"],
        "--validation 10**12": ["--validation", str(10**12)],
        "--epochs x": ["--epochs", "x"],
        "--mirror ftp://": ["--mirror", "ftp://example.com/"],
        "--distort nan": ["--distort", "nan"],
        "--nondigits -1": ["--nondigits", "-1"],
        "--distill 2": ["--teacher", "x.npz", "--distill", "2"],
    }
    cases = [Case(c, name, [*train, *extra], USAGE, timeout=15, check=_quick(5)) for name, extra in bad_train.items()]
    cases += [
        Case(c, "--teacher /dev/zero", [*train, "--teacher", "/dev/zero"], BAD, timeout=15, check=_quick(5)),
        Case(c, "--teacher FIFO", [*train, "--teacher", "{work}/fifo"], BAD, lambda w: os.mkfifo(w / "fifo"),
             timeout=15, check=_quick(5)),
        Case(c, "no command", [], USAGE), Case(c, "unknown command", ["fly"], USAGE),
        Case(c, "unknown option", ["predict", "--frobnicate", "x.png"], USAGE),
        Case(c, "predict without paths", ["predict"], USAGE),
        Case(c, "--top-k 0", ["predict", "--top-k", "0", "{work}/good.png"], USAGE, _good_image),
        Case(c, "--top-k 11", ["predict", "--top-k", "11", "{work}/good.png"], USAGE, _good_image),
        Case(c, "--top-k nan", ["predict", "--top-k", "nan", "{work}/good.png"], USAGE, _good_image),
        Case(c, "--help", ["predict", "--help"], OK),
        Case(c, "--version", ["--version"], OK),
    ]
    return cases


def _quick(seconds: float):
    def check(result):
        return [] if result.seconds < seconds else [f"took {result.seconds:.1f} s: not decided before slow work"]
    return check


def output_cases(mnist: Path | None, mirror_404: str) -> list[Case]:
    """train --output naming things that must not be replaced, and names that cannot be saved."""
    c = "outputs"
    data = ["--data-dir", "{work}/mnist", "--mirror", mirror_404]
    train = ["train", *data, "--epochs", "1", "--validation", "0", "--quiet"]
    targets = {
        "device /dev/null-like": lambda w: make_device(w / "out.npz", 3),
        "device /dev/full-like": lambda w: make_device(w / "out.npz", 7),
        "FIFO": lambda w: os.mkfifo(w / "out.npz"),
        "directory": lambda w: (w / "out.npz").mkdir(),
        "symlink to a device": lambda w: (make_device(w / "dev", 3), (w / "out.npz").symlink_to("dev")),
        "inside a file": lambda w: (w / "file").write_bytes(b"x"),
    }
    cases = []
    for name, setup in targets.items():
        output = "{work}/file/out.npz" if name == "inside a file" else "{work}/out.npz"
        cases.append(Case(c, f"--output {name}", [*train, "--output", output], ANY_FAILURE, setup, timeout=30,
                          check=_quick(5)))
    for name in ("device /dev/full-like", "FIFO"):
        cases.append(Case(c, f"report --output {name}", ["report", *data, "--output", "{work}/out.npz"], ANY_FAILURE,
                          targets[name], timeout=30, check=_quick(5)))
    if mnist:  # 250 bytes is a legal name: it must be saved, its temporary name shortened
        cases.append(Case(c, "--output name of 250 chars", [*train, "--output", "{work}/" + "n" * 246 + ".npz"],
                          OK, timeout=60, outputs=("n" * 246 + ".npz",)))
    cases.append(Case(c, "--output name of 300 chars", [*train, "--output", "{work}/" + "n" * 296 + ".npz"],
                      ANY_FAILURE, timeout=30, check=_quick(5)))
    if mnist:
        cases.append(Case(c, "replaces a stale .part and an old model", [*train, "--output", "{work}/model.npz"], OK,
                          lambda w: ((w / "model.npz").write_bytes(b"old"), (w / ".model.npz.999999.x.part").write_bytes(b"x")),
                          timeout=60, outputs=("model.npz", ".model.npz.999999.x.part")))
    return cases


def stream_cases(mnist: Path | None, mirror_404: str) -> list[Case]:
    """Closed and full standard output, and Ctrl-C at several moments."""
    c = "streams and signals"
    cases = [
        Case(c, "predict to a closed pipe", ["predict", "{work}/photos"], frozenset({0, 1}), _folder, close_stdout=True),
        Case(c, "predict to a full device", ["predict", "{work}/good.png"], BAD,
             lambda w: (_good_image(w), make_device(w / "full", 7)), stdout="{work}/full"),
        Case(c, "predict --json to a full device", ["predict", "--json", "{work}/good.png"], BAD,
             lambda w: (_good_image(w), make_device(w / "full", 7)), stdout="{work}/full"),
        Case(c, "--help to a full device", ["--help"], ANY_FAILURE, lambda w: make_device(w / "full", 7),
             stdout="{work}/full"),
        Case(c, "--help to a closed pipe", ["predict", "--help"], frozenset({0, 1}), close_stdout=True),
    ]
    for seconds in (0.01, 0.03, 0.05, 0.08, 0.1, 0.2, 0.4):  # a folder that takes seconds to read
        cases.append(Case(c, f"Ctrl-C at {seconds} s in predict", ["predict", "{work}/photos"], INTERRUPTED,
                          lambda w: _folder(w, count=3000), interrupt_after=seconds))
    # Its worker pool must go with predict, however predict goes: none may be left holding
    # the output (`predict DIR | wc -l` would never end). The runner counts what is left.
    for name, number, expect in (("SIGTERM", signal.SIGTERM, TERMINATED), ("SIGKILL", signal.SIGKILL, KILLED)):
        for seconds in (0.0, 0.5):
            cases.append(Case(c, f"{name} {seconds} s after the pool starts in predict", ["predict", "{work}/photos"],
                              expect, lambda w: _folder(w, count=3000), interrupt_after=seconds,
                              interrupt_signal=number, interrupt_with_children=True, timeout=40))
    for seconds in (0.05, 0.3):  # SIGTERM before the handler is in place ends Python at once: fine, nothing runs yet
        cases.append(Case(c, f"SIGTERM at {seconds} s in predict", ["predict", "{work}/photos"],
                          TERMINATED | {-signal.SIGTERM}, lambda w: _folder(w, count=3000), interrupt_after=seconds,
                          interrupt_signal=signal.SIGTERM, timeout=40))
    if mnist:
        data = ["--data-dir", "{work}/mnist", "--mirror", mirror_404]
        for seconds in (0.05, 1.0, 3.0):
            cases.append(Case(c, f"Ctrl-C at {seconds} s in train", ["train", *data, "--quiet", "--output",
                                                                     "{work}/m.npz"], INTERRUPTED,
                              interrupt_after=seconds, timeout=60, outputs=("m.npz",)))
        cases.append(Case(c, "evaluate to a full device", ["evaluate", *data], BAD,
                          lambda w: make_device(w / "full", 7), stdout="{work}/full"))
        cases.append(Case(c, "evaluate to a closed pipe", ["evaluate", *data], frozenset({0, 1}), close_stdout=True))
    return cases


def mirror_cases(server, quick: bool) -> list[Case]:
    """`download` from each hostile mirror mode into an empty data directory.

    A mirror that keeps sending (drip, endless zeros) must be given up on within the
    deadline (4 x --timeout) plus one timeout and some start-up: the bound checked here.
    """
    timeout = 1 if quick else 3
    modes = ("zeros", "bomb", "drip-fast") if quick else \
        ("404", "html", "zeros", "zeros-length", "chunked-zeros", "bomb", "drip", "drip-fast", "header-drip",
         "short", "long", "silent", "redirect-loop", "many-headers", "labels")
    bound = _within(timeout * 6 + 4)
    endless = ("zeros", "zeros-length", "chunked-zeros", "drip", "drip-fast", "header-drip")
    cases = [Case("mirrors", mode, ["download", "--data-dir", "{work}/data", "--mirror", server.url(mode),
                                    "--timeout", str(timeout)], BAD, timeout=timeout * 10 + 10,
                  check=bound if mode in endless else None)
             for mode in modes]
    if server.mnist_dir and not quick:
        cases.append(Case("mirrors", "good (control)", ["download", "--data-dir", "{work}/data",
                                                        "--mirror", server.url("good")], OK, timeout=30))
        cases.append(Case("mirrors", "drip, then good", ["download", "--data-dir", "{work}/data", "--mirror",
                                                        server.url("drip"), "--mirror", server.url("good"),
                                                        "--timeout", str(timeout)], OK, timeout=60, check=bound))
    return cases


def _within(seconds: float):
    def check(result):
        return [] if result.seconds <= seconds else [f"took {result.seconds:.0f} s (bound {seconds:g} s)"]
    return check


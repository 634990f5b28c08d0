"""A fast, seeded slice of scripts/fuzz: the library on mutated and hostile inputs in this
process, and a few command cases in bounded subprocesses. The full harness:
``python scripts/fuzz`` (see its --help)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from fuzz import cases_args, cases_files, cases_memory, content, images, models, worker  # noqa: E402
from fuzz.mirrors import HostileMirror  # noqa: E402
from fuzz.runner import judge, run, snapshot  # noqa: E402
from mnist_app.errors import ImageError, ModelFileError  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.preprocess import to_mnist_image  # noqa: E402

MUTATED_IMAGES = 150


def only_image_errors(data: bytes) -> None:
    """Read ``data``; it may fail, but only with a one-line ImageError and no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            to_mnist_image(data)
        except ImageError as error:
            assert "\n" not in str(error)


def test_mutated_images_of_every_format_fail_only_with_image_errors():
    for index in range(MUTATED_IMAGES):
        name, data = images.mutated(seed=0, index=index)
        try:
            only_image_errors(data)
        except Exception as error:  # report which input broke, to reproduce it
            raise AssertionError(f"{name}: {type(error).__name__}: {error}") from None


@pytest.mark.parametrize("name", images.QUICK_HOSTILE)
def test_hostile_images_fail_only_with_image_errors(name):
    only_image_errors(images.HOSTILE[name]())


@pytest.mark.parametrize("name", ["wave-4000x60.png", "dots-3x400.png"])
def test_pictures_costly_to_read_get_an_answer_or_one_error_line(name):
    # A wave 186 of its heights long once took 32 s and 960 MB to read as a number
    # (scripts/fuzz times every picture of fuzz.content; a test cannot time).
    data = content.CONTENT[name]()
    classifier = Classifier.load()
    for read in (classifier.predict, classifier.read_number):
        try:
            read(data)
        except ImageError as error:
            assert "\n" not in str(error)


@pytest.mark.parametrize("name", sorted(set(models.MODELS) - models.HEAVY))
def test_each_bad_model_file_is_one_model_file_error_and_each_good_one_loads(tmp_path, name):
    build, verdict = models.MODELS[name]
    build(tmp_path / "model.npz")
    if verdict == "accept":
        Classifier.load(tmp_path / "model.npz")
    else:
        with pytest.raises(ModelFileError) as error:
            Classifier.load(tmp_path / "model.npz")
        assert "\n" not in str(error.value)


@pytest.fixture(scope="module")
def mirror():
    server = HostileMirror(None)
    yield server
    server.shutdown()


def command_cases(mirror):
    special = {case.name: case for case in cases_files.special_image_cases()}
    arguments = {case.name: case for case in cases_args.argument_cases(None, mirror.url("404"))}
    outputs = {case.name: case for case in cases_args.output_cases(None, mirror.url("404"))}
    streams = {case.name: case for case in cases_args.stream_cases(None, mirror.url("404"))}
    chosen = [special["FIFO as image"], special["stdin /dev/zero"], arguments["--hidden 10000000000"],
              outputs["--output FIFO"], streams["Ctrl-C at 0.4 s in predict"]]
    if os.geteuid() == 0:  # device nodes need root
        chosen += [outputs["--output device /dev/full-like"], streams["predict to a full device"]]
    return chosen


def harness_failures(cases, tmp_path) -> list[str]:
    """What the harness's oracle finds wrong with each case, run in a bounded subprocess."""
    failures = []
    for number, case in enumerate(cases):
        work = tmp_path / f"case{number}"
        work.mkdir()
        before = {}
        result = run(case, work, before_setup=lambda: before.update(snapshot(work)))
        failures += [f"{case.name}: {problem}" for problem in judge(result, before)]
    return failures


def test_a_handful_of_command_cases_pass_the_harness_oracle(tmp_path, mirror):
    assert harness_failures(command_cases(mirror), tmp_path) == []


def test_images_that_fail_or_decode_huge_stay_within_their_memory_bounds(tmp_path):
    """A folder of blank scans (each fails: no digit), a 16-bit bomb and an ICO hiding a
    13000x13000 PNG, each under the peak RSS the harness allows it."""
    assert harness_failures(cases_memory.memory_cases(quick=True), tmp_path) == []


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="predict starts its worker pool only on 2 cores or more")
def test_sigterm_and_sigkill_of_predict_leave_no_worker_running(tmp_path, mirror):
    streams = {case.name: case for case in cases_args.stream_cases(None, mirror.url("404"))}
    chosen = [streams["SIGTERM 0.5 s after the pool starts in predict"],
              streams["SIGKILL 0.0 s after the pool starts in predict"]]
    assert harness_failures(chosen, tmp_path) == []


@pytest.mark.parametrize("index", range(len(models.ODD_METADATA)))
def test_odd_metadata_is_refused_in_one_line_or_shown_by_the_report_and_the_api(index, tmp_path):
    """NaN, Infinity, floats that overflow and lone surrogates are refused; odd types and
    huge numbers load, and the report and /api/model show them without an exception."""
    name, call, expected = worker.metadata_items(seed=0, quick=True, scratch=tmp_path)(index)
    try:
        call()
    except ModelFileError as error:
        assert expected is ModelFileError and "\n" not in str(error), name


def test_the_library_fuzzing_leaves_no_scratch_folder_behind(tmp_path, monkeypatch):
    """run_items gives its workers a scratch folder and removes it (a killed worker cannot)."""
    from fuzz import library

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # gettempdir() reads TMPDIR again
    tried, failures, _ = library.run_items("models", seed=0, first=0, stop=1, quick=True)
    assert (tried, failures) == (1, [])
    assert list(tmp_path.iterdir()) == []

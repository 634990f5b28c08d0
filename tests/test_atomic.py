"""atomic_write: the final name holds either the old file or the complete new one."""

import os
import stat

import pytest

from mnist_app.atomic import atomic_write, check_writable, remove_stale_temp_files


def test_success_renames_into_place_with_ordinary_permissions(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    with atomic_write(target) as file:
        file.write(b"complete")
        assert not target.exists()
    assert target.read_bytes() == b"complete"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert os.listdir(target.parent) == ["file.bin"]


@pytest.mark.parametrize("interruption", [RuntimeError, KeyboardInterrupt])
def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path, interruption):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(interruption):
        with atomic_write(target) as file:
            file.write(b"half")
            raise interruption()
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]


def test_stale_temporaries_of_that_name_only_are_removed(tmp_path):
    (tmp_path / ".file.bin.abc123.part").write_bytes(b"left by a killed run")
    (tmp_path / ".other.bin.abc123.part").write_bytes(b"not ours")
    remove_stale_temp_files(tmp_path, "file.bin")
    assert sorted(os.listdir(tmp_path)) == [".other.bin.abc123.part"]


# --- what may be replaced, names too long, leftovers of dead writers -------------------


@pytest.mark.parametrize("make, error", [
    (lambda path: os.mkfifo(path), "is a FIFO, not a regular file; refusing to replace it"),
    (lambda path: path.mkdir(), "is a directory"),
    (lambda path: (os.mkfifo(path.with_name("fifo")), path.symlink_to("fifo")), "is a FIFO"),
], ids=["fifo", "directory", "link-to-fifo"])
def test_only_regular_files_are_replaced(tmp_path, make, error):
    target = tmp_path / "out.bin"
    make(target)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(OSError, match=error):
        with atomic_write(target) as file:
            file.write(b"new")
    assert sorted(os.listdir(tmp_path)) == before  # untouched, and no temporary left


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_never_replaced(tmp_path):
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    with pytest.raises(OSError, match="is a device"):
        check_writable(device)
    assert device.is_char_device()


def test_a_long_legal_name_is_written_through_a_shortened_temporary_name(tmp_path):
    target = tmp_path / ("n" * 250)
    check_writable(target)
    with atomic_write(target) as file:
        file.write(b"ok")
    assert target.read_bytes() == b"ok" and os.listdir(tmp_path) == [target.name]


def test_a_name_too_long_for_the_file_system_fails_the_check(tmp_path):
    with pytest.raises(OSError, match="file name too long"):
        check_writable(tmp_path / ("n" * 300))


def test_leftovers_of_dead_writers_go_and_a_live_writers_stay(tmp_path):
    dead = 999_999_999  # above any Linux pid_max: no process has this id
    alive = os.getppid()
    (tmp_path / f".model.npz.{dead}.abcd1234.part").write_bytes(b"left by a killed run")
    (tmp_path / f".model.npz.{alive}.abcd1234.part").write_bytes(b"another process is writing")
    with atomic_write(tmp_path / "model.npz") as file:
        file.write(b"new")
    assert sorted(os.listdir(tmp_path)) == [f".model.npz.{alive}.abcd1234.part", "model.npz"]

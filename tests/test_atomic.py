"""atomic_write: the final name holds either the old file or the complete new one."""

import os

import pytest

from mnist_app.atomic import atomic_write, remove_stale_temp_files


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

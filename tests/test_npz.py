"""The .npz reader reads what numpy writes, as np.load reads it (the oracle), and turns a
damaged member into one ModelFileError."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from mnist_app.errors import ModelFileError
from mnist_app.npz import NpzReader

ARRAYS = {
    "weights": np.random.default_rng(0).standard_normal((30, 784)).astype(np.float32),
    "big_endian": np.arange(12, dtype=">f8").reshape(3, 4),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3)),
    "text": np.array('{"a": "\u00e9t\u00e9"}'),
    "empty": np.zeros((0, 5), dtype=np.float32),
}


def accept_all(shape, dtype):
    return None


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_reads_every_array_as_np_load_does(save):
    buffer = io.BytesIO()
    save(buffer, **ARRAYS)
    expected = np.load(io.BytesIO(buffer.getvalue()))
    with NpzReader(io.BytesIO(buffer.getvalue()), max_members=10) as reader:
        assert reader.names == set(ARRAYS)
        for name in ARRAYS:
            array = reader.read(name, accept_all)
            assert array.dtype == expected[name].dtype.newbyteorder("=") and array.shape == expected[name].shape
            assert np.array_equal(array, expected[name])


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_corrupted_member_is_refused_by_its_crc(compression):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        member = io.BytesIO()
        np.save(member, np.arange(1000, dtype=np.float32))
        archive.writestr("a.npy", member.getvalue())
    data = bytearray(buffer.getvalue())
    data[1000 if compression == zipfile.ZIP_STORED else 200] ^= 0x01  # inside the member's data
    with NpzReader(io.BytesIO(bytes(data)), max_members=10) as reader, \
            pytest.raises(ModelFileError, match="cannot read a"):
        reader.read("a", accept_all)


@pytest.mark.parametrize("damage", ["truncated", "text", "empty"])
def test_what_is_no_zip_is_refused_in_one_line(damage):
    buffer = io.BytesIO()
    np.savez(buffer, **ARRAYS)
    data = {"truncated": buffer.getvalue()[:-30], "text": b"hello, I am a text file", "empty": b""}[damage]
    with pytest.raises(ModelFileError, match="not a readable .npz weights file"):
        NpzReader(io.BytesIO(data), max_members=10)

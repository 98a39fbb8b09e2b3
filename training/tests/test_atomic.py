import os

import pytest

from latentscope_train.atomic import write_atomically, write_bytes, write_text


def test_replaces_the_file_whole(tmp_path):
    path = str(tmp_path / "sub" / "out.txt")
    write_text(path, "first\n")
    write_text(path, "second\n")
    assert open(path).read() == "second\n"
    assert os.listdir(tmp_path / "sub") == ["out.txt"]
    assert os.stat(path).st_mode & 0o777 == 0o644


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = str(tmp_path / "out.bin")
    write_bytes(path, b"old")

    def broken(tmp):
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomically(path, broken)
    assert open(path, "rb").read() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_the_suffix_reaches_the_writer(tmp_path):
    seen = []

    def writer(tmp):
        seen.append(tmp)
        open(tmp, "w").close()

    write_atomically(str(tmp_path / "x.npy"), writer, suffix=".npy")
    assert seen[0].endswith(".npy") and os.path.dirname(seen[0]) == str(tmp_path)

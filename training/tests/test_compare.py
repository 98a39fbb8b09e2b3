import numpy as np
import pytest
from PIL import Image

from latentscope_train.compare import main, parse_seeds

from conftest import SMALL64
from test_widen import exported


def test_seed_specs():
    assert parse_seeds("100-103") == [100, 101, 102, 103]
    assert parse_seeds("0-1,9") == [0, 1, 9]
    for bad in ("", "a-3", "5-2", "0-99", "-3"):
        with pytest.raises(ValueError, match="--seeds"):
            parse_seeds(bad)


def test_one_row_per_model_with_the_same_seeds(tmp_path, capsys):
    a = exported(tmp_path, name="a")
    out = tmp_path / "c.png"
    main(["--model", str(a), "--model", str(a), "--seeds", "3-5", "--scale", "2", "--out", str(out)])
    img = np.asarray(Image.open(out))
    scale, pad = 2, 2
    h = (img.shape[0] // scale - 3 * pad) // 2   # two rows of faces h pixels high
    assert img.shape[1] // scale == 3 * (h + pad) + pad   # three faces per row
    row = [img[scale * (pad + i * (h + pad)):scale * (pad + i * (h + pad) + h)] for i in (0, 1)]
    assert row[0].std() > 0
    assert np.array_equal(row[0], row[1])   # the same model twice: the same row twice
    printed = capsys.readouterr().out
    assert printed.count("hf ") == 2 and "wrote" in printed


def test_errors_name_the_problem_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "c.png"
    with pytest.raises(SystemExit) as e:
        main(["--model", str(tmp_path / "missing"), "--out", str(out)])
    assert e.value.code == 2 and "compare:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--model", str(exported(tmp_path)), "--seeds", "9-1", "--out", str(out)])
    assert "ends before it starts" in capsys.readouterr().err
    assert not out.exists()


def test_a_real_row_and_the_finest_detail_under_every_row(tmp_path, shards, capsys):
    out = tmp_path / "c.png"
    with pytest.raises(SystemExit):  # a 16px model against 64px faces
        main(["--model", str(exported(tmp_path, name="tiny")), "--real", shards, "--out", str(out)])
    assert "holds 64px faces, the models draw 16px" in capsys.readouterr().err and not out.exists()
    a = exported(tmp_path, cfg=SMALL64, name="a")
    main(["--model", str(a), "--real", shards, "--detail", "--seeds", "3-4", "--scale", "1", "--out", str(out)])
    img = np.asarray(Image.open(out)).astype(int)
    pad, h = 2, 64
    assert img.shape[:2] == (4 * (h + pad) + pad, 2 * (h + pad) + pad)  # real, its detail, model, its detail
    cell = lambda r: img[pad + r * (h + pad):pad + r * (h + pad) + h, pad:pad + h]
    real, real_detail = cell(0), cell(1)
    assert abs(real_detail.mean() - 127.5) < 12  # the detail is centred on grey
    assert not np.array_equal(real, real_detail)
    printed = capsys.readouterr().out
    assert printed.count("hf ") == 2 and "real faces" in printed

import json

import numpy as np
import torch

from conftest import SMALL64, random_faces
from latentscope_train import pyramid, swd
from latentscope_train.export import export_generator
from latentscope_train.model import Generator, GeneratorConfig


def test_the_distance_is_zero_only_for_the_same_distribution():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((500, 147)).astype(np.float32)
    assert swd.sliced_wasserstein(a, a[rng.permutation(500)]) < 1e-6  # order does not matter
    near = swd.sliced_wasserstein(a, rng.standard_normal((500, 147)).astype(np.float32))
    far = swd.sliced_wasserstein(a, 1.5 * rng.standard_normal((500, 147)).astype(np.float32))
    assert 0 < near < far


def test_blur_moves_the_fine_level_most():
    sharp = random_faces(64, seed=1)
    rng = np.random.default_rng(2)
    grain = rng.integers(-40, 41, size=sharp.shape)
    grainy = np.clip(sharp.astype(int) + grain, 0, 255).astype(np.uint8)
    other = random_faces(64, seed=3)
    same_kind = swd.swd(other, sharp, per_image=32)
    grain_vs = swd.swd(grainy, sharp, per_image=32)
    # Pixel grain is 64px detail: that level moves far more than the 16px rest.
    assert grain_vs[0] > 2 * same_kind[0]
    assert grain_vs[0] / same_kind[0] > grain_vs[2] / same_kind[2]
    assert swd.level_names(64) == ["64px detail", "32px detail", "16px rest"]


def test_the_command_compares_models_with_the_real_floor(tmp_path, shards, capsys):
    torch.manual_seed(0)
    export_generator(Generator(GeneratorConfig.from_dict(SMALL64)), str(tmp_path / "m"), "m")
    out = tmp_path / "swd.json"
    rows = swd.main(["--model", str(tmp_path / "m"), "--data", shards, "--n", "8", "--patches", "8",
                     "--out", str(out)])
    saved = json.load(open(out))
    assert saved["swd_x1000"] == json.loads(json.dumps(rows)) and saved["n"] == 8
    untrained = rows[str(tmp_path / "m")]
    # An untrained generator is further from the faces than real faces are from each other.
    assert len(untrained) == 3 and sum(untrained) > sum(rows["real vs real"])
    assert "real vs real" in capsys.readouterr().out


def test_without_finest_detail_keeps_smooth_faces_and_drops_pixel_patterns():
    smooth = random_faces(4, seed=5)
    kept = pyramid.without_finest_detail(smooth)
    assert kept.dtype == np.uint8 and kept.shape == smooth.shape
    smooth_change = np.abs(kept.astype(int) - smooth).mean()
    checker = np.zeros((1, 64, 64, 3), np.uint8)
    checker[:, ::2, ::2] = checker[:, 1::2, 1::2] = 255
    flat = pyramid.without_finest_detail(checker)
    assert np.abs(flat.astype(int) - 128).max() <= 40  # the period-2 pattern is (mostly) gone
    assert smooth_change < 0.05 * np.abs(flat.astype(int) - checker).mean()

import json

import numpy as np
import pytest
import torch

from latentscope_train import sweep
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig

from test_evaluate import exported, needs_facenet


def test_principal_axes_are_orthonormal_and_their_sigmas_the_spread_of_what_an_edit_moves():
    """σ is measured on each seed's token mean (an edit moves every token), which spreads
    about √T times less than single tokens, since tokens are independent draws."""
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()
    vec, sd = sweep.principal_axes(G, 400)
    vec_t, sd_t = sweep.principal_axes(G, 400, unit="token")
    assert np.allclose(vec @ vec.T, np.eye(len(vec)), atol=1e-4) and np.array_equal(vec, vec_t)
    assert np.all(np.diff(sd_t) <= 1e-6)  # largest first
    w = sweep.seed_w(G, range(1_000_000, 1_000_400)).numpy()      # [seeds, T, w_dim]
    faces, tokens = w.mean(axis=1), w.reshape(-1, G.cfg.w_dim)
    for k in (0, len(vec) - 1):
        assert np.std(faces @ vec[k]) == pytest.approx(sd[k], rel=1e-3)
        assert np.std(tokens @ vec[k]) == pytest.approx(sd_t[k], rel=1e-3)
    assert sd[0] / sd_t[0] == pytest.approx(1 / np.sqrt(G.cfg.tokens), rel=0.15)


@needs_facenet
def test_every_axis_and_sign_is_judged(tmp_path, capsys):
    _, model = exported(tmp_path)
    out = tmp_path / "s.json"
    res = sweep.main(["--model", model, "--axes", "2", "--n", "4", "--pca-samples", "50", "--threads", "1", "--out", str(out)])
    assert json.load(open(out)) == json.loads(json.dumps(res))
    rates = res["detection_rate"]
    assert list(rates) == ["unmoved", "pca0-", "pca0+", "pca1-", "pca1+"]
    assert all(0.0 <= v <= 1.0 for v in rates.values())
    moved = [v for k, v in rates.items() if k != "unmoved"]
    assert res["worst_moved"] == min(moved) and res["mean_moved"] == pytest.approx(np.mean(moved), abs=1e-4)


def test_bad_arguments_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        sweep.main(["--model", str(tmp_path / "missing")])
    assert e.value.code == 2 and "sweep:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sweep.main(["--model", str(tmp_path), "--sigmas", "0"])

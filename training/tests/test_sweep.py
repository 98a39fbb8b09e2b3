import json

import numpy as np
import pytest
import torch

from latentscope_train import sweep
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig

from test_evaluate import exported, needs_facenet


def test_principal_axes_are_orthonormal_and_their_sigmas_the_spread_of_w():
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()
    vec, sd = sweep.principal_axes(G, 400)
    assert np.allclose(vec @ vec.T, np.eye(len(vec)), atol=1e-4)
    assert np.all(np.diff(sd) <= 1e-6)  # largest first
    w = sweep.seed_w(G, range(1_000_000, 1_000_400)).reshape(-1, G.cfg.w_dim).numpy()
    assert np.std(w @ vec[0], ddof=1) == pytest.approx(sd[0], rel=1e-3)
    assert np.std(w @ vec[-1], ddof=1) == pytest.approx(sd[-1], rel=1e-2)


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

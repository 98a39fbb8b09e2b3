import json

import numpy as np
import pytest
import torch

from conftest import SMALL64
from latentscope_train import project
from latentscope_train.export import export_generator
from latentscope_train.imageio import to_uint8
from latentscope_train.model import Generator, GeneratorConfig
from latentscope_train.rng import seed_z


@pytest.fixture
def model(tmp_path):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(SMALL64)).eval().requires_grad_(False)
    out = tmp_path / "m"
    export_generator(G, str(out), "m")
    return G, str(out)


def own_images(G, seeds):
    z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in seeds]))
    with torch.no_grad():
        w = G.mapping(z)
        return w, project.draw(G, w)


def test_a_face_the_synthesis_drew_comes_back_closer_than_the_best_start(model):
    G, _ = model
    w_true, targets = own_images(G, [7, 8])
    _, start = project.project(G, targets, steps=0, starts=4)
    w, image = project.project(G, targets, steps=60, lr=0.05, starts=4)
    assert w.shape == w_true.shape
    before = (start - targets).square().mean(dim=(1, 2, 3))
    after = (image - targets).square().mean(dim=(1, 2, 3))
    assert (after < 0.5 * before).all(), (before, after)
    assert torch.allclose(image, project.draw(G, w))  # the image is the returned latents' own


def test_the_rms_error_is_per_image_in_unit_range():
    a = np.zeros((2, 4, 4, 3), np.uint8)
    b = a.copy()
    b[1] = 255
    assert np.allclose(project.rms_error(a, b), [0.0, 1.0])


def test_the_command_projects_real_faces_and_writes_figures_and_a_picture(model, shards, tmp_path, capsys):
    _, path = model
    out, fig = tmp_path / "p.json", tmp_path / "p.png"
    r = project.main(["--model", path, "--data", shards, "--n", "3", "--steps", "2", "--starts", "2",
                      "--threads", "1", "--out", str(out), "--figure", str(fig)])
    saved = json.loads(out.read_text())
    assert saved["n"] == 3 and saved["targets"] == "real set B, first 3"
    assert 0 < saved["rms_error"]["median"] <= 1 and saved == r
    assert fig.stat().st_size > 0
    assert "RMS pixel error" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [["--n", "0"], ["--starts", "0"], ["--lr", "0"]])
def test_bad_settings_are_refused(model, shards, bad):
    with pytest.raises(SystemExit, match="must be"):
        project.main(["--model", model[1], "--data", shards, *bad])


def test_more_faces_than_the_data_holds_are_refused(model, shards):
    with pytest.raises(SystemExit, match="real faces to project"):
        project.main(["--model", model[1], "--data", shards, "--n", "500", "--steps", "0"])


def test_own_targets_are_the_models_images_for_the_given_seeds(model, shards, tmp_path):
    G, path = model
    r = project.main(["--model", path, "--data", shards, "--n", "2", "--own", "--own-first-seed", "40",
                      "--steps", "0", "--starts", "1", "--threads", "1"])
    assert r["targets"] == "the model's own images, seeds 40-41"
    # with one start and no step, the reconstruction is the start's image, not the target
    assert r["rms_error"]["median"] > 0


def test_a_folder_without_a_model_is_a_clear_error(tmp_path, shards):
    with pytest.raises(SystemExit, match="config.json: no such file"):
        project.main(["--model", str(tmp_path / "none"), "--data", shards])


def test_against_compares_two_models_face_by_face(model, shards, tmp_path, capsys):
    _, path = model
    common = ["--model", path, "--data", shards, "--n", "3", "--starts", "1", "--threads", "1"]
    first = tmp_path / "steps0.json"
    r0 = project.main([*common, "--steps", "0", "--out", str(first)])
    assert len(r0["rms_error"]["per_face"]) == 3
    r = project.main([*common, "--steps", "3", "--against", str(first)])
    d = np.asarray(r["rms_error"]["per_face"]) - np.asarray(r0["rms_error"]["per_face"])
    assert r["against"]["closer"] == int((d < 0).sum()) >= 1  # Adam from the same start gets closer
    assert r["against"]["median_difference"] == pytest.approx(np.median(d), abs=1e-5) and r["against"]["median_difference"] < 0
    assert "faces closer" in capsys.readouterr().out


def test_against_refuses_other_targets_or_a_foreign_file(model, shards, tmp_path, monkeypatch):
    _, path = model
    other = tmp_path / "other.json"
    project.main(["--model", path, "--data", shards, "--n", "2", "--steps", "0", "--starts", "1", "--out", str(other)])

    def no_work(*_):
        raise AssertionError("a bad --against must be refused before any face is projected")
    monkeypatch.setattr(project, "project_all", no_work)
    with pytest.raises(SystemExit, match="its targets are"):
        project.main(["--model", path, "--data", shards, "--n", "3", "--steps", "0", "--starts", "1", "--against", str(other)])
    junk = tmp_path / "junk.json"
    junk.write_text('{"rms_error": {"median": 0.1}}')
    with pytest.raises(SystemExit, match="per-face errors"):
        project.main(["--model", path, "--data", shards, "--n", "3", "--against", str(junk)])

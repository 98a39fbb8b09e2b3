import json

import pytest
import torch

from latentscope_train import checkpoint, overfitting
from latentscope_train.train import Trainer, parse_args


@pytest.fixture
def run_checkpoint(tmp_path, shards, small64_json):
    """A real train.py checkpoint (one step of a tiny model) and its compact form."""
    run = tmp_path / "run"
    args = parse_args(["--run", str(run), "--data", shards, "--config", small64_json, "--batch", "4",
                       "--threads", "1", "--sample-every", "0", "--limit-images", "8", "--kimg", "0.004",
                       "--augment", "translation"])
    Trainer(args).run()
    full = run / "checkpoint.pt"
    compact = tmp_path / "compact.pt"
    ck = torch.load(full, map_location="cpu", weights_only=False)
    checkpoint.save(checkpoint.compact(ck), str(compact))
    return full, compact


def test_sign_of_a_discriminator_that_calls_everything_real_or_fake(run_checkpoint, shards):
    G, D, ck = overfitting.load_networks(str(run_checkpoint[0]))
    reals = overfitting.cached_images(shards, None)[:6]
    with torch.no_grad():
        D.out.bias.fill_(1e4)  # every logit is hugely positive
    sure = overfitting.measure(G, D, reals, "translation")
    assert sure["n"] == 6 and sure["r_t"] == 1.0 and sure["fake_called_fake"] == 0.0
    with torch.no_grad():
        D.out.bias.fill_(-1e4)
    wrong = overfitting.measure(G, D, reals, "translation")
    assert wrong["r_t"] == -1.0 and wrong["fake_called_fake"] == 1.0
    assert wrong["real_logit"] < 0 < sure["real_logit"]
    assert 0 <= sure["auc"] <= 1


def test_full_and_compact_checkpoints_give_the_same_figures(run_checkpoint, shards, tmp_path, capsys):
    out = tmp_path / "figures.json"
    rows = overfitting.main(["--checkpoint", str(run_checkpoint[0]), "--checkpoint", str(run_checkpoint[1]),
                             "--data", shards, "--n", "8", "--threads", "1", "--out", str(out)])
    full, compact = rows[str(run_checkpoint[0])], rows[str(run_checkpoint[1])]
    assert full["kimg"] == compact["kimg"] == 0.004  # one step of 4 images
    assert -1 <= full["r_t"] <= 1 and full["n"] == 8
    # float16 weights move the logits by little; the signs of logits far from 0 cannot flip
    assert full["real_logit"] == pytest.approx(compact["real_logit"], abs=0.02)
    assert full["fake_logit"] == pytest.approx(compact["fake_logit"], abs=0.02)
    assert json.loads(out.read_text()) == rows
    assert "r_t" in capsys.readouterr().out


def test_a_file_that_is_not_a_training_checkpoint_is_refused(tmp_path, shards):
    bad = tmp_path / "weights.pt"
    torch.save({"G_ema": {}}, bad)
    with pytest.raises(SystemExit, match="not a training checkpoint"):
        overfitting.main(["--checkpoint", str(bad), "--data", shards])
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a checkpoint\n")
    with pytest.raises(SystemExit, match="notes.txt: not a training checkpoint"):
        overfitting.main(["--checkpoint", str(garbage), "--data", shards])
    with pytest.raises(SystemExit, match="missing.pt: no such checkpoint"):
        overfitting.main(["--checkpoint", str(tmp_path / "missing.pt"), "--data", str(tmp_path / "no-data")])


def test_auc_counts_the_pairs_in_which_the_real_logit_is_higher():
    real, fake = torch.tensor([3.0, 1.0]), torch.tensor([2.0, 0.0, 1.0])
    # pairs: 3>2, 3>0, 3>1, 1<2, 1>0, 1=1 -> (4 + 0.5) / 6
    assert overfitting.auc(real, fake) == pytest.approx(4.5 / 6)
    assert overfitting.auc(real + 10, fake) == 1.0 and overfitting.auc(real - 10, fake) == 0.0


def test_d_sees_the_images_through_the_runs_coarse_view(run_checkpoint, shards):
    from latentscope_train import pyramid
    from latentscope_train.data import to_tensor
    G, D, ck = overfitting.load_networks(str(run_checkpoint[0]))
    reals = overfitting.cached_images(shards, None)[:6]
    seen, forward = [], D.forward
    D.forward = lambda img: (seen.append(img), forward(img))[1]
    overfitting.measure(G, D, reals, "", view=16)
    assert torch.allclose(seen[0], pyramid.coarse_view(to_tensor(reals), 16))
    assert not torch.allclose(seen[0], to_tensor(reals), atol=0.02)

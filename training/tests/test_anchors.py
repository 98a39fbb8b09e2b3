import numpy as np
import pytest
import torch

from latentscope_train import checkpoint
from latentscope_train.anchors import Anchors, anchor_indices, pyramid_l1
from latentscope_train.evaluate import real_sets
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.train import Trainer

from test_train import train_args


def test_anchors_are_never_the_judges_real_faces(tmp_path):
    n = 2600
    idx = anchor_indices(n, 500)
    assert len(set(idx)) == 500 and idx.max() < n
    order = np.random.default_rng(0).permutation(n)
    judged = set(order[:2000])  # evaluate --n 1000: real sets A and B
    assert not judged & set(idx)
    with pytest.raises(SystemExit, match="at most 600"):
        anchor_indices(n, 601)


def test_anchor_reserve_is_where_real_sets_draws_from(monkeypatch):
    # real_sets and anchor_indices must agree on the permutation, or the anchors could be judged faces.
    ids = np.arange(3000)
    monkeypatch.setattr("latentscope_train.evaluate.load_images", lambda data: (ids, None))
    a, b = real_sets("unused", 1000)
    assert not (set(a) | set(b)) & set(anchor_indices(3000, 1000))


def test_pyramid_l1_is_zero_for_equal_images_and_counts_coarse_and_fine_errors():
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert torch.equal(pyramid_l1(x, x), torch.zeros(2))
    shifted = x + 0.1  # a flat offset lives in the coarsest level only
    assert torch.allclose(pyramid_l1(shifted, x), torch.full((2,), 0.1), atol=1e-5)
    noisy = x.clone()
    noisy[:, :, ::2, ::2] += 0.5  # a pixel pattern: mostly in the finest level
    assert (pyramid_l1(noisy, x) > 0.05).all()


def test_anchor_steps_move_only_the_drawn_ws_toward_their_faces():
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG))
    G.requires_grad_(False)
    R = G.cfg.resolution
    faces = np.random.default_rng(1).integers(0, 256, (12, R, R, 3), dtype=np.uint8)
    anchors = Anchors(faces, np.arange(12), torch.randn(12, G.cfg.tokens, G.cfg.w_dim), lr=0.05)
    rows = torch.tensor([1, 4, 7])
    before = anchors.w.clone()
    first, _ = anchors.loss(G, rows)
    for _ in range(20):
        torch.manual_seed(1)  # the same noise each time: the loss may only fall through the w's
        loss, w = anchors.loss(G, rows)
        loss.backward()
        anchors.update(rows, w)
    torch.manual_seed(1)
    last, _ = anchors.loss(G, rows)
    assert last < first
    moved = (anchors.w - before).flatten(1).abs().amax(1) > 0
    assert moved.tolist() == [i in (1, 4, 7) for i in range(12)]
    assert anchors.visits.tolist() == [20 if i in (1, 4, 7) else 0 for i in range(12)]


def test_a_run_with_anchors_trains_g_toward_them_and_resumes_them(tmp_path, shards, small64_json):
    run = tmp_path / "run"
    args = ["--limit-images", "16", "--anchors", "8", "--anchor-batch", "4", "--anchor-fit-steps", "2"]
    t = Trainer(train_args(run, shards, small64_json, *args, "--kimg", "0.008"))
    assert len(t.anchors) == 8 and t.anchors.targets.shape[1:] == (3, 64, 64)
    w0 = t.anchors.w.clone()
    t.run()
    assert t.anchors.visits.sum() == 2 * 4  # two G steps, four anchors each
    assert not torch.equal(w0, t.anchors.w)
    with open(run / "log.csv") as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    assert "anchor" in header and all(float(r["anchor"]) > 0 for r in rows)

    u = Trainer(train_args(run, shards, small64_json, *args, "--kimg", "0.012"))
    assert torch.equal(u.anchors.w, t.anchors.w) and torch.equal(u.anchors.visits, t.anchors.visits)
    u.run()
    assert u.anchors.visits.sum() == 3 * 4

    # the compact checkpoint carries them too
    full = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    small = checkpoint.compact(full)
    assert torch.equal(small["anchors"]["w"], full["anchors"]["w"])
    assert small["anchors"]["exp_avg_sq"].dtype == torch.bfloat16


def test_anchors_are_refused_where_the_synthesis_does_not_train(tmp_path, shards, small64_json):
    with pytest.raises(SystemExit, match="--g-trains mapping"):
        Trainer(train_args(tmp_path / "run", shards, small64_json, "--limit-images", "8", "--anchors", "4",
                           "--g-trains", "mapping"))
    with pytest.raises(SystemExit, match="--anchor-batch"):
        Trainer(train_args(tmp_path / "r2", shards, small64_json, "--limit-images", "8", "--anchors", "4",
                           "--anchor-batch", "0"))


def test_anchors_still_count_beside_an_attention_floor(tmp_path, shards, small64_json):
    # Two runs alike in every random stream; only the anchors' weight differs. If the floor's
    # penalty replaced G's loss instead of adding to it, the anchors would be lost and G equal.
    def first_g_step(weight):
        t = Trainer(train_args(tmp_path / f"run{weight}", shards, small64_json, "--limit-images", "16",
                               "--anchors", "4", "--anchor-batch", "4", "--anchor-fit-steps", "1",
                               "--attn-floor", "64:0.9", "--anchor-weight", weight))
        stats = t.train_step()
        assert stats["anchor"] > 0 and "attn_floor" in stats
        return torch.cat([p.detach().flatten() for p in t.G.synthesis.parameters()])

    assert not torch.equal(first_g_step("0"), first_g_step("100"))

"""Real faces the synthesis network is held to drawing: latent anchors.

`project` showed that most real faces are not among the images the synthesis network draws
(docs/training.md, "What the synthesis can draw"), and adversarial training alone did not widen
that set. Anchors add the missing pull, as GLO does (Bojanowski et al. 2018, "Optimizing the latent
space of generative networks"): a fixed set of real training faces, each with a w of its own (one
per style token, broadcast to every layer: the W space the mapping draws from and the explorer
walks). With `train.py --anchors N`, every G step also draws a few anchors from their w's and adds
their pixel error to G's loss; the same gradient moves the anchors' w's toward their faces. The
error is L1 over a Laplacian pyramid (GLO's Lap1: each level's mean, so coarse shape counts as much
as fine detail). Pixels only: no network judges anything in this loss.

The anchors are taken from the faces the judge never uses: `evaluate.real_sets` draws its two real
sets from the front of one fixed permutation of the data, and the anchors come from behind them, so
projecting the judge's real set B (`project`) measures whether the synthesis learnt to draw faces
in general, not the anchors by heart.
"""
from __future__ import annotations

import numpy as np
import torch

from .data import to_tensor
from .model import Generator, module_device
from .pyramid import laplacian_pyramid

JUDGE_RESERVE = 2000  # evaluate --n 1000: real sets A and B


def anchor_indices(n_images: int, n: int, reserve: int = JUDGE_RESERVE) -> np.ndarray:
    """The data's indices of n anchors: behind the judge's real sets in evaluate.real_sets' permutation."""
    order = np.random.default_rng(0).permutation(n_images)  # evaluate.real_sets(seed=0)
    if n_images - reserve < n:
        raise SystemExit(f"--anchors {n}: the data has {n_images} faces, of which {reserve} are kept "
                         f"for the judge; at most {max(0, n_images - reserve)} can be anchors")
    return np.sort(order[reserve:reserve + n])


def pyramid_l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image L1 over the Laplacian pyramid, each level's mean, summed: [B]."""
    return sum((x - y).abs().mean(dim=(1, 2, 3)) for x, y in
               zip(laplacian_pyramid(a, min_res=4), laplacian_pyramid(b, min_res=4)))


class Anchors:
    """The anchors' faces and w's, and a sparse Adam for the w's: only the rows drawn in a step
    move, so a w's moments age with its own visits, not with the steps between them."""

    def __init__(self, images_u8: np.ndarray, indices: np.ndarray, w: torch.Tensor, lr: float = 0.01,
                 betas: tuple[float, float] = (0.9, 0.99)):
        self.indices = np.asarray(indices)
        self.targets = to_tensor(images_u8[self.indices])
        self.w = w.detach().clone().float()
        self.exp_avg = torch.zeros_like(self.w)
        self.exp_avg_sq = torch.zeros_like(self.w)
        self.visits = torch.zeros(len(self.w), dtype=torch.long)
        self.lr, self.betas = lr, betas

    def __len__(self) -> int:
        return len(self.w)

    @classmethod
    def empty(cls, images_u8: np.ndarray, n: int, w_shape: tuple[int, int], lr: float = 0.01,
              reserve: int = JUDGE_RESERVE) -> "Anchors":
        """n anchors with w's at zero, to load a checkpoint's into."""
        return cls(images_u8, anchor_indices(len(images_u8), n, reserve), torch.zeros(n, *w_shape), lr)

    @classmethod
    def fitted(cls, G: Generator, images_u8: np.ndarray, n: int, steps: int, lr: float = 0.01,
               reserve: int = JUDGE_RESERVE, log=print) -> "Anchors":
        """n anchors whose w's start where `project` puts their faces in G (steps of Adam from the best
        of 8 mapped starts), so the first G steps fit G to w's that already nearly draw them."""
        from .project import project  # project imports the judge's modules; only a new run needs it
        idx = anchor_indices(len(images_u8), n, reserve)
        targets = to_tensor(images_u8[idx]).to(module_device(G))
        grads = [p.requires_grad for p in G.parameters()]
        G.requires_grad_(False)
        ws = []
        for i in range(0, n, 64):
            w, _ = project(G, targets[i:i + 64], steps=steps, first_start_seed=200_000 + i * 8)
            ws.append(w.cpu())
            log(f"anchors: fitted the w's of {i + len(w)}/{n} faces")
        for p, g in zip(G.parameters(), grads):
            p.requires_grad_(g)
        return cls(images_u8, idx, torch.cat(ws), lr)

    def loss(self, G: Generator, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean pyramid L1 of the drawn anchors, the w leaf to step with `update`)."""
        # The anchors' state stays on the CPU (it is checkpointed with the run); a step's rows go to G's device.
        device = module_device(G)
        w = self.w[rows].to(device).requires_grad_(True)
        img = G.synthesis(G.broadcast(w))
        return pyramid_l1(img, self.targets[rows].to(device)).mean(), w

    @torch.no_grad()
    def update(self, rows: torch.Tensor, w: torch.Tensor) -> None:
        """One Adam step on the drawn rows from the gradient of `loss`'s w (rows must be distinct)."""
        if w.grad is None:
            return
        b1, b2 = self.betas
        self.visits[rows] += 1
        t = self.visits[rows].view(-1, 1, 1).float()
        grad = w.grad.cpu()
        m = self.exp_avg[rows].lerp(grad, 1 - b1)
        v = self.exp_avg_sq[rows].lerp(grad.square(), 1 - b2)
        self.exp_avg[rows], self.exp_avg_sq[rows] = m, v
        step = (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + 1e-8)
        self.w[rows] -= self.lr * step

    def state_dict(self) -> dict:
        return dict(indices=torch.from_numpy(self.indices), w=self.w, exp_avg=self.exp_avg,
                    exp_avg_sq=self.exp_avg_sq, visits=self.visits)

    def load_state_dict(self, state: dict) -> None:
        if not np.array_equal(state["indices"].numpy(), self.indices):
            raise SystemExit("the checkpoint's anchors are other faces than this run's --anchors; give the same count")
        self.w = state["w"].float().clone()
        self.exp_avg = state["exp_avg"].float().clone()
        self.exp_avg_sq = state["exp_avg_sq"].float().clone()
        self.visits = state["visits"].clone()

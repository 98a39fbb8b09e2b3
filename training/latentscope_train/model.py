"""The reference generator and discriminator (PyTorch).

This file is the architecture contract: docs/model-format.md names every tensor
that `export.py` writes, and the Swift engine (Sources/Engine) computes the same
function. What corresponds: `Generator.map` is `Generator.map` in Generator.swift;
`StyledLayer.forward` is a sequence of named steps (`layer_norm`, `values`,
`attention_logits`, `attend`, `modulate`, `convolve`, `noise_bias_act`), and
LayerSteps.swift has a function of each name, run in the same order by
`PreparedModel.runLayer` (LayerPass.swift); `SynthesisNetwork.forward`'s loop over
layers, with the upsampling and the skip sum, is `Generator.synthesize`. The engine
differs for speed: `attention_logits` is folded, keys · Wq / sqrt(d) and its product
with the positional encoding made once at load (PreparedLayer.swift), so the per-pixel
query projection never runs; a layer runs on several workers at once, over bands of
rows or ranges of output channels; and a toRGB convolution is added straight onto the
upsampled image. The parity tests hold the engine to this file step by step and layer
by layer (fixtures.py writes the references with `trace`). Keep the forward pass plain
(no fused ops) so it reads next to the engine.

Generator, in one paragraph: every image owns `tokens` style tokens, each mapped
from its own z by a shared 8-layer MLP (TokenGAN). Synthesis starts from a learned
4x4 constant and doubles the resolution up to 64x64. Every styled layer normalises
its content tokens (one per pixel) with LayerNorm, adds a learned positional
encoding, and asks the layer's style tokens through multi-head cross-attention
(queries from pixels, keys a learned parameter per token, values an affine of the
token's w). The attended style scales the normalised features channel-wise, per
pixel; a convolution mixes them spatially; then noise, bias and LeakyReLU. RGB is
produced at every resolution and summed (StyleGAN2's skip generator).
"""
from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .pyramid import finest_detail

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)
LN_EPS = 1e-5


class NoiseMode(str, enum.Enum):
    """Where a layer's per-pixel noise comes from. `const` and `off` are the engine's names
    (Recipe.NoiseChoice); `random` draws from torch's generator (training, the judge), where
    the engine's `seeded` draws from the seed's own stream (rng.seed_noise, passed in as
    `noise`). An unknown name is an error, not silently random noise."""
    RANDOM = "random"
    CONST = "const"
    OFF = "off"


class LayerKind(str, enum.Enum):
    """What a styled layer is: a 3x3 convolution of the features, or a 1x1 convolution to
    RGB added to the image so far (StyleGAN2's skip generator)."""
    CONV = "conv"
    TORGB = "torgb"


@dataclass(frozen=True)
class LayerSpec:
    """One styled layer, in execution order (its index is its W+ index); LayerSpec in the
    engine (ModelConfig.swift) is the same record."""

    name: str
    kind: LayerKind
    res: int
    cin: int
    cout: int
    up: bool     # bilinear x2 upsampling of the input first
    noise: bool
    act: bool    # LeakyReLU after the bias

    @property
    def is_torgb(self) -> bool:
        return self.kind == LayerKind.TORGB

    @property
    def kernel(self) -> int:
        return 1 if self.is_torgb else 3

    @property
    def pixels(self) -> int:
        return self.res * self.res

    def to_dict(self) -> dict:
        """The entry of config.json's "layers" (docs/model-format.md): these keys in this
        order; the file says kernel where this says kind."""
        return dict(name=self.name, res=self.res, cin=self.cin, cout=self.cout, kernel=self.kernel,
                    up=self.up, noise=self.noise, act=self.act)


@dataclass
class GeneratorConfig:
    """Architecture hyper-parameters; written to config.json on export."""

    resolution: int = 64
    z_dim: int = 128
    w_dim: int = 128
    tokens: int = 8
    heads: int = 4
    head_dim: int = 16  # query/key width per head
    mapping_layers: int = 8
    mapping_lr_mul: float = 0.01
    # Feature channels per resolution (keys are str so the dict survives JSON).
    channels: dict = field(default_factory=lambda: {"4": 128, "8": 128, "16": 64, "32": 48, "64": 24})
    # Positional encoding: 0 = a free parameter per pixel (the first release); N = a
    # learned N x N grid per layer, bilinearly upsampled to layers finer than N. A free
    # per-pixel encoding at 64x64 lets G paint fixed pixel-level texture into every face
    # (the stripe artefact, docs/training.md); a coarse grid cannot. Export bakes the
    # upsampled encoding, so the engine sees the same [P, C] tensor either way.
    pos_grid: int = 0
    # Attention blur: {"64": 1} low-passes every map of the 64x64 layers' attention once
    # ([1,2,1]/4 along x and y, edges replicated) between the softmax and the style, so a
    # pixel's style cannot switch token from one pixel to the next (the blotches of sharp
    # attention; docs/training.md). Empty: none, and the field is left out of config.json.
    attention_blur: dict = field(default_factory=dict)

    def __post_init__(self):
        for r, k in self.attention_blur.items():
            if int(r) not in self.resolutions or not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 8:
                raise ValueError(f"attention_blur {{{r!r}: {k!r}}}: keys are the model's resolutions "
                                 f"({', '.join(map(str, self.resolutions))}), values whole passes 1-8")
        self.attention_blur = {str(r): k for r, k in sorted(self.attention_blur.items(), key=lambda kv: int(kv[0]))}

    def blur_passes(self, res: int) -> int:
        return int(self.attention_blur.get(str(res), 0))

    def pos_size(self, res: int) -> int:
        return res if self.pos_grid <= 0 else min(res, self.pos_grid)

    def ch(self, res: int) -> int:
        return int(self.channels[str(res)])

    @property
    def resolutions(self) -> list[int]:
        out, r = [], 4
        while r <= self.resolution:
            out.append(r)
            r *= 2
        return out

    def layer_specs(self) -> list[LayerSpec]:
        """The styled layers in execution order; index = W+ layer index."""
        conv, torgb = LayerKind.CONV, LayerKind.TORGB
        specs = []
        for r in self.resolutions:
            if r == 4:
                specs.append(LayerSpec("b4.conv1", conv, 4, self.ch(4), self.ch(4), up=False, noise=True, act=True))
            else:
                specs.append(LayerSpec(f"b{r}.conv0", conv, r, self.ch(r // 2), self.ch(r), up=True, noise=True, act=True))
                specs.append(LayerSpec(f"b{r}.conv1", conv, r, self.ch(r), self.ch(r), up=False, noise=True, act=True))
            specs.append(LayerSpec(f"b{r}.torgb", torgb, r, self.ch(r), 3, up=False, noise=False, act=False))
        return specs

    @property
    def num_layers(self) -> int:
        return len(self.layer_specs())

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["attention_blur"]:  # configs and checkpoints from before the field stay equal
            del d["attention_blur"]
        return d

    @staticmethod
    def from_dict(d: dict) -> "GeneratorConfig":
        keys = GeneratorConfig.__dataclass_fields__.keys()
        return GeneratorConfig(**{k: v for k, v in d.items() if k in keys})


TINY_CONFIG = dict(resolution=16, z_dim=16, w_dim=16, tokens=4, heads=2, head_dim=4,
                   mapping_layers=2, channels={"4": 16, "8": 8, "16": 8})


# MARK: - building blocks

class EqualLinear(nn.Module):
    """Linear layer with the equalized learning rate (ProGAN): weights are stored
    at N(0, 1/lr_mul) and scaled at run time, so Adam's step is uniform across
    layers. Export bakes the scale into the weights."""

    def __init__(self, cin: int, cout: int, bias: bool = True, bias_init: float = 0.0, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = nn.Parameter(torch.full((cout,), float(bias_init))) if bias else None
        self.scale = lr_mul / math.sqrt(cin)
        self.lr_mul = lr_mul

    def effective(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        b = self.bias * self.lr_mul if self.bias is not None else None
        return self.weight * self.scale, b

    def forward(self, x):
        w, b = self.effective()
        return F.linear(x, w, b)


class EqualConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, kernel: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale = 1.0 / math.sqrt(cin * kernel * kernel)
        self.pad = kernel // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)


def lrelu(x):
    return F.leaky_relu(x, LRELU_SLOPE) * LRELU_GAIN


def upsample_bilinear(x, size: int):
    """Bilinear to size x size (half-pixel centres, edges clamped); the identity
    when x is already that size."""
    if x.shape[-1] == size:
        return x
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


def blur_maps(a: torch.Tensor, res: int, passes: int) -> torch.Tensor:
    """[..., P] maps of res x res pixels, each filtered `passes` times by [1,2,1]/4 along
    x and along y with replicated edges. Linear and summing to one, so attention weights
    still sum to one over the tokens."""
    if passes <= 0:
        return a
    shape = a.shape
    x = a.reshape(-1, res, res)
    for _ in range(passes):
        x = torch.cat([x[:, :, :1], x, x[:, :, -1:]], dim=2)
        x = (x[:, :, :-2] + 2 * x[:, :, 1:-1] + x[:, :, 2:]) / 4
        x = torch.cat([x[:, :1], x, x[:, -1:]], dim=1)
        x = (x[:, :-2] + 2 * x[:, 1:-1] + x[:, 2:]) / 4
    return x.reshape(shape)


def layer_norm(t):
    """LayerNorm over the channels of [B, C, P] (each pixel's content token is a column),
    no affine; the variance in two passes, as the engine computes it."""
    mean = t.mean(dim=1, keepdim=True)
    var = (t - mean).square().mean(dim=1, keepdim=True)
    return (t - mean) * torch.rsqrt(var + LN_EPS)


def upsample2x(x):
    """Bilinear x2 (half-pixel centres, edges clamped). Equal to StyleGAN2's
    [1,3,3,1] FIR upsampling away from the border."""
    return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


class MappingNetwork(nn.Module):
    """z [B, T, z_dim] -> w [B, T, w_dim]; the MLP is shared across tokens."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        dims = [cfg.z_dim] + [cfg.w_dim] * cfg.mapping_layers
        self.fcs = nn.ModuleList(EqualLinear(dims[i], dims[i + 1], lr_mul=cfg.mapping_lr_mul)
                                 for i in range(cfg.mapping_layers))

    def forward(self, z):
        # Pixel norm: put every z on the sphere of radius sqrt(z_dim).
        x = z * torch.rsqrt(z.square().mean(dim=-1, keepdim=True) + 1e-8)
        for fc in self.fcs:
            x = lrelu(fc(x))
        return x


class StyledLayer(nn.Module):
    """One synthesis layer: LayerNorm -> cross-attention style -> modulate -> conv
    -> noise -> bias -> LeakyReLU. Shapes: x [B, Cin, H, W] (already upsampled),
    w [B, T, w_dim] -> [B, Cout, H, W], attention [B, heads, H*W, T]."""

    def __init__(self, cfg: GeneratorConfig, spec: LayerSpec):
        super().__init__()
        self.spec = spec
        cin, cout, res = spec.cin, spec.cout, spec.res
        self.heads, self.head_dim = cfg.heads, cfg.head_dim
        assert cin % cfg.heads == 0, f"{spec.name}: {cin} channels do not split into {cfg.heads} heads"
        self.res, self.pos_size = res, cfg.pos_size(res)
        self.blur = cfg.blur_passes(res)
        self.pos_grid = nn.Parameter(torch.randn(cin, self.pos_size, self.pos_size) * 0.02)
        self.query = EqualLinear(cin, cfg.heads * cfg.head_dim, bias=False)
        self.keys = nn.Parameter(torch.randn(cfg.tokens, cfg.heads * cfg.head_dim))
        # Value projection = StyleGAN's style affine; bias 1 so styles start at identity.
        self.value = EqualLinear(cfg.w_dim, cin, bias_init=1.0)
        self.conv = EqualConv2d(cin, cout, spec.kernel, bias=False)
        self.bias = nn.Parameter(torch.zeros(cout))
        if spec.noise:
            self.noise_strength = nn.Parameter(torch.zeros([]))
            self.register_buffer("noise_const", torch.randn(1, 1, res, res))
        else:
            self.noise_strength = None

    def pos(self) -> torch.Tensor:
        """The positional encoding at this layer's resolution, [P, C] (as exported)."""
        return upsample_bilinear(self.pos_grid.unsqueeze(0), self.res)[0].flatten(1).t()

    # The steps of forward, one job each; LayerSteps.swift has a function of each name.

    def values(self, w):
        """The value of every token, the style affine: w [B, T, w_dim] -> [B, T, C]."""
        return self.value(w)

    def attention_logits(self, n):
        """Every head's logits over the tokens, keys · (Wq · (n + pos)) / sqrt(d): [B, h, T, P]."""
        B, _, P = n.shape
        wq, _ = self.query.effective()
        q = torch.matmul(wq, n + self.pos().t())                 # [B, h*dk, P]
        q = q.view(B, self.heads, self.head_dim, P)            # [B, h, dk, P]
        k = self.keys.view(-1, self.heads, self.head_dim).transpose(0, 1)      # [h, T, dk]
        return torch.matmul(k, q) / math.sqrt(self.head_dim)

    def attend(self, logits, v):
        """Softmax over the tokens (low-passed where the config asks, blur_maps), then each
        pixel's style from its head's values: head h owns channels h*C/h ... Returns
        attention [B, h, T, P] and style [B, C, P]."""
        B, _, _, P = logits.shape
        C = v.shape[-1]
        attn = blur_maps(logits.softmax(dim=2), self.res, self.blur)
        v = v.view(B, -1, self.heads, C // self.heads).permute(0, 2, 3, 1)     # [B, h, C/h, T]
        return attn, torch.matmul(v, attn).reshape(B, C, P)

    @staticmethod
    def modulate(n, s):
        """The normalised features scaled by each pixel's own style."""
        return n * s

    def convolve(self, y):
        return self.conv(y)

    def noise_bias_act(self, y, noise, noise_mode):
        """y + noise * strength (conv layers), + bias, then LeakyReLU (not toRGB)."""
        if self.noise_strength is not None and noise_mode != NoiseMode.OFF:
            if noise is None:
                B, _, H, W = y.shape
                noise = self.noise_const if noise_mode == NoiseMode.CONST else torch.randn(B, 1, H, W, device=y.device)
            y = y + noise * self.noise_strength
        y = y + self.bias.view(1, -1, 1, 1)
        if self.spec.act:
            y = lrelu(y)
        return y

    def forward(self, x, w, noise=None, noise_mode=NoiseMode.RANDOM, return_attn=False, trace=None):
        """trace: a dict that gets every step's output under its name (fixtures.py)."""
        # Channel-first throughout (as the Swift engine): tokens are columns of [B, C, P].
        B, C, H, W = x.shape
        t = x.flatten(2)                                       # [B, C, P]
        n = layer_norm(t)
        v = self.values(w)
        logits = self.attention_logits(n)
        attn, s = self.attend(logits, v)
        m = self.modulate(n, s)
        c = self.convolve(m.view(B, C, H, W))
        y = self.noise_bias_act(c, noise, noise_mode)
        if trace is not None:
            trace.update(input=t, norm=n, values=v, logits=logits, attention=attn, style=s, modulated=m, conv=c.flatten(2))
        return (y, attn.transpose(2, 3)) if return_attn else (y, None)  # maps as [B, h, P, T]


class SynthesisNetwork(nn.Module):
    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.cfg = cfg
        self.const = nn.Parameter(torch.randn(cfg.ch(4), 4, 4))
        self.layers = nn.ModuleList(StyledLayer(cfg, s) for s in cfg.layer_specs())

    def forward(self, ws, noise=None, noise_mode=NoiseMode.RANDOM, return_attn=False, trace=None):
        """ws [B, L, T, w_dim] (W+, one token set per layer) -> img [B, 3, R, R].
        noise: optional list (one per layer, None for toRGB) of [B, 1, H, W].
        trace: a list that gets one dict per layer, the outputs of its steps (StyledLayer.forward)
        and 'output': the activation it hands on, or for toRGB the image so far."""
        noise_mode = NoiseMode(noise_mode)
        B = ws.shape[0]
        x = self.const.unsqueeze(0).expand(B, -1, -1, -1)
        img = None
        attns = []
        for i, layer in enumerate(self.layers):
            spec = layer.spec
            nz = noise[i] if noise is not None else None
            steps = {} if trace is not None else None
            if spec.is_torgb:  # reads x, adds to the running image
                rgb, a = layer(x, ws[:, i], None, noise_mode, return_attn, steps)
                img = rgb if img is None else upsample2x(img) + rgb
            else:
                if spec.up:
                    x = upsample2x(x)
                x, a = layer(x, ws[:, i], nz, noise_mode, return_attn, steps)
            if trace is not None:
                trace.append({**steps, "output": (img if spec.is_torgb else x).flatten(2)})
            attns.append(a)
        return (img, attns) if return_attn else img


class Generator(nn.Module):
    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.cfg = cfg
        self.mapping = MappingNetwork(cfg)
        self.synthesis = SynthesisNetwork(cfg)
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    @property
    def num_layers(self):
        return self.cfg.num_layers

    def map(self, z, psi: float = 1.0, update_w_avg: bool = False, w_avg_beta: float = 0.995):
        """z [B, T, z_dim] -> w [B, T, w_dim], truncated toward w_avg by psi."""
        w = self.mapping(z)
        if update_w_avg:
            self.w_avg.copy_(w.detach().mean(dim=(0, 1)).lerp(self.w_avg, w_avg_beta))
        if psi != 1.0:
            w = self.w_avg.lerp(w, psi)
        return w

    def broadcast(self, w):
        """w [B, T, w_dim] -> ws [B, L, T, w_dim]."""
        return w.unsqueeze(1).repeat(1, self.num_layers, 1, 1)

    def forward(self, z, psi=1.0, noise_mode=NoiseMode.RANDOM, return_attn=False):
        return self.synthesis(self.broadcast(self.map(z, psi)), noise_mode=noise_mode, return_attn=return_attn)


# MARK: - discriminator

class DiscBlock(nn.Module):
    """Residual block: conv3x3 -> lrelu -> avgpool -> conv3x3 -> lrelu, plus a
    pooled 1x1 skip; the sum is scaled by 1/sqrt(2) to keep variance."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv0 = EqualConv2d(cin, cin, 3)
        self.conv1 = EqualConv2d(cin, cout, 3)
        self.skip = EqualConv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        y = lrelu(self.conv0(x))
        y = F.avg_pool2d(y, 2)
        y = lrelu(self.conv1(y))
        s = self.skip(F.avg_pool2d(x, 2))
        return (y + s) / math.sqrt(2.0)


def discriminator_channels(cfg: GeneratorConfig, spec: dict | float | None = None) -> dict:
    """D's widths per resolution: None = G's widths; a number = G's widths times it
    (at most 512); a dict = as given (str keys). D is not shipped, so it may be far
    wider than G."""
    if spec is None:
        spec = 1.0
    if isinstance(spec, dict):
        out = {str(r): int(spec[str(r)]) for r in cfg.resolutions}
    else:
        out = {str(r): min(512, int(round(cfg.ch(r) * float(spec)))) for r in cfg.resolutions}
    if any(c <= 0 for c in out.values()):
        raise ValueError(f"discriminator widths must be positive: {out}")
    return out


class DetailHead(nn.Module):
    """A second look at the finest octave: the image's finest Laplacian level (what one
    octave of blur takes away) read by three 3x3 convolutions at full resolution before
    anything is pooled, then pooled to 8x8, where layout still shows. D's main path has a
    single 3x3 convolution at 64x64 before it averages 2x2 pixels, too little to tell
    which fine textures are where (docs/training.md, "At which scale the drift is"). Its
    logit is added to D's; the last layer starts at zero, so a head added to a trained D
    changes nothing until it has learnt something."""

    def __init__(self, resolution: int, channels: int):
        super().__init__()
        c = channels
        self.from_rgb = EqualConv2d(3, c, 1)
        self.convs = nn.ModuleList([EqualConv2d(c, c, 3), EqualConv2d(c, c, 3), EqualConv2d(c, c, 3)])
        self.pool = max(1, resolution // 8)
        self.fc = EqualLinear(c * (resolution // self.pool) ** 2, 1)
        with torch.no_grad():
            self.fc.weight.zero_()

    def forward(self, img):
        x = lrelu(self.from_rgb(finest_detail(img)))
        for conv in self.convs:
            x = lrelu(conv(x))
        return self.fc(F.avg_pool2d(x, self.pool).flatten(1))


class Discriminator(nn.Module):
    def __init__(self, cfg: GeneratorConfig, mbstd_group: int = 4, channels: dict | float | None = None,
                 detail: int = 0):
        super().__init__()
        self.channels = discriminator_channels(cfg, channels)
        ch = lambda r: self.channels[str(r)]
        res = cfg.resolutions[::-1]  # 64, 32, ..., 4
        self.from_rgb = EqualConv2d(3, ch(res[0]), 1)
        self.blocks = nn.ModuleList(DiscBlock(ch(r), ch(r // 2)) for r in res[:-1])
        c4 = ch(4)
        self.mbstd_group = mbstd_group
        self.conv = EqualConv2d(c4 + 1, c4, 3)
        self.fc = EqualLinear(c4 * 16, c4)
        self.out = EqualLinear(c4, 1)
        # Registered last, so D's other parameters keep their order (optimiser moments
        # saved without the head still line up).
        self.detail_channels = detail
        self.detail = DetailHead(cfg.resolution, detail) if detail else None

    def minibatch_std(self, x):
        """Append the std of features across each group of `mbstd_group`
        consecutive samples as one channel (a mode-collapse signal). Groups are
        consecutive so a batch of [fakes, reals] never mixes the two."""
        B, C, H, W = x.shape
        G = min(self.mbstd_group, B)
        while B % G:
            G -= 1
        y = x.view(B // G, G, C, H, W)
        y = (y - y.mean(dim=1, keepdim=True)).square().mean(dim=1).add(1e-8).sqrt()  # [B/G, C, H, W]
        y = y.mean(dim=(1, 2, 3)).repeat_interleave(G).view(B, 1, 1, 1).expand(B, 1, H, W)
        return torch.cat([x, y], dim=1)

    def forward(self, img):
        x = lrelu(self.from_rgb(img))
        for b in self.blocks:
            x = b(x)
        x = self.minibatch_std(x)
        x = lrelu(self.conv(x))
        x = lrelu(self.fc(x.flatten(1)))
        out = self.out(x)
        return out + self.detail(img) if self.detail is not None else out


# MARK: - helpers

def module_device(module: nn.Module) -> torch.device:
    """Where a module's parameters live (the CPU or a GPU)."""
    return next(module.parameters()).device


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def synthesis_flops(cfg: GeneratorConfig) -> int:
    """Multiply-adds x2 of one image's synthesis pass (mapping excluded; it is
    tokens * layers * w_dim^2, negligible)."""
    total = 0
    T, h, dk = cfg.tokens, cfg.heads, cfg.head_dim
    for s in cfg.layer_specs():
        p = s.pixels
        cin, cout, k = s.cin, s.cout, s.kernel
        total += p * cin * cout * k * k          # conv
        total += p * cin * h * dk                # query projection
        total += p * h * T * dk                  # logits
        total += p * T * cin                     # attention-weighted values (per head C/h, h heads)
        total += T * cfg.w_dim * cin             # value projection
    total += cfg.tokens * cfg.mapping_layers * cfg.w_dim * cfg.w_dim
    return 2 * total

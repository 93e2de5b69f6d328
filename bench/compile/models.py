"""The models whose compile time bench/compile/compile_time.py measures.

- `mlp_text(layers)`: the MLP a new user tries first, as linalg IR: `layers`
  square layers 1024 wide (matmul + ReLU), batch 16, every weight a
  function argument marked `{mx.weight}` (so its quantize is compiled too).
- `MobileBERT`: a PyTorch module of MobileBERT's shape (Sun et al., 2020:
  24 blocks, hidden 512, bottleneck 128, 4 heads, 4 stacked feed-forward
  networks of 512 per block, NoNorm), at sequence length 128, imported with
  `mx_mlir.from_torch` as users would import it (weights as constants).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp_text(layers, width=1024, batch=16):
    shape = f"tensor<{batch}x{width}xf32>"
    weights = ", ".join(f"%w{i}: tensor<{width}x{width}xf32> {{mx.weight}}" for i in range(layers))
    lines = [f"func.func @mlp(%x: {shape}, {weights}) -> {shape} {{",
             "  %zero = arith.constant 0.0 : f32"]
    current = "%x"
    for i in range(layers):
        lines += [f"  %e{i} = tensor.empty() : {shape}",
                  f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {shape}) -> {shape}",
                  f"  %m{i} = linalg.matmul ins({current}, %w{i} : {shape}, tensor<{width}x{width}xf32>)"
                  f" outs(%f{i} : {shape}) -> {shape}",
                  f"  %r{i} = arith.maximumf %m{i}, %f{i} : {shape}"]
        current = f"%r{i}"
    lines += [f"  return {current} : {shape}", "}"]
    return "\n".join(lines) + "\n"


class NoNorm(nn.Module):
    """MobileBERT's replacement of LayerNorm: an elementwise affine map."""

    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x * self.weight + self.bias


class Attention(nn.Module):
    """Queries and keys from the bottleneck, values from the full width."""

    def __init__(self, channels, heads, value_channels):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(channels, channels)
        self.key = nn.Linear(channels, channels)
        self.value = nn.Linear(value_channels, channels)

    def forward(self, q, k, v):
        b, t, c = q.size()
        d = c // self.heads
        q = self.query(q).view(b, t, self.heads, d).transpose(1, 2)
        k = self.key(k).view(b, t, self.heads, d).transpose(1, 2)
        v = self.value(v).view(b, t, self.heads, d).transpose(1, 2)
        scores = F.softmax((q @ k.transpose(-2, -1)) * (d ** -0.5), dim=-1)
        return (scores @ v).transpose(1, 2).contiguous().view(b, t, c)


class FeedForward(nn.Module):
    def __init__(self, channels, inner):
        super().__init__()
        self.up = nn.Linear(channels, inner)
        self.down = nn.Linear(inner, channels)
        self.norm = NoNorm(channels)

    def forward(self, x):
        return self.norm(x + self.down(F.relu(self.up(x))))


class Block(nn.Module):
    """A MobileBERT block: bottleneck in, attention and stacked FFNs at the
    bottleneck width, bottleneck out with the residual at full width."""

    def __init__(self, hidden=512, bottleneck=128, heads=4, inner=512, stacked=4):
        super().__init__()
        self.input = nn.Linear(hidden, bottleneck)
        self.input_norm = NoNorm(bottleneck)
        self.shared = nn.Linear(hidden, bottleneck)  # keys and queries
        self.shared_norm = NoNorm(bottleneck)
        self.attention = Attention(bottleneck, heads, hidden)
        self.attention_out = nn.Linear(bottleneck, bottleneck)
        self.attention_norm = NoNorm(bottleneck)
        self.ffns = nn.Sequential(*[FeedForward(bottleneck, inner) for _ in range(stacked)])
        self.output = nn.Linear(bottleneck, hidden)
        self.output_norm = NoNorm(hidden)

    def forward(self, x):
        inner = self.input_norm(self.input(x))
        shared = self.shared_norm(self.shared(x))
        attended = self.attention(shared, shared, x)
        y = self.attention_norm(inner + self.attention_out(attended))
        y = self.ffns(y)
        return self.output_norm(x + self.output(y))


class MobileBERT(nn.Module):
    def __init__(self, layers=24, hidden=512, vocab=1024, context=128):
        super().__init__()
        self.tokens = nn.Embedding(vocab, hidden)
        self.positions = nn.Embedding(context, hidden)
        self.blocks = nn.Sequential(*[Block(hidden) for _ in range(layers)])

    def forward(self, idx):
        b, t = idx.size()
        x = self.tokens(idx) + self.positions(torch.arange(0, t, dtype=torch.long))
        return self.blocks(x)

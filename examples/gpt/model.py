"""A small GPT-style decoder over bytes, written the way PyTorch users
write one (nanoGPT's layout): token and position embeddings, pre-LayerNorm
blocks of causal multi-head self-attention and a GELU MLP, a final
LayerNorm and a linear head over the 256 byte values.

`mx_mlir.from_torch` imports it as it is: `GPT(...)` for inference (weights
as constants) and `GPTLoss(GPT(...))` for training (weights as arguments,
mean cross-entropy of the next byte).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 256  # bytes


class CausalSelfAttention(nn.Module):
    def __init__(self, channels, heads, context):
        super().__init__()
        assert channels % heads == 0
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.register_buffer("mask", torch.tril(torch.ones(context, context)).view(1, 1, context, context))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, channels, heads, context):
        super().__init__()
        self.ln1 = nn.LayerNorm(channels)
        self.attn = CausalSelfAttention(channels, heads, context)
        self.ln2 = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(nn.Linear(channels, 4 * channels), nn.GELU(),
                                 nn.Linear(4 * channels, channels), nn.Dropout(0.0))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, layers=2, heads=4, channels=64, context=64):
        super().__init__()
        self.context = context
        self.tokens = nn.Embedding(VOCAB, channels)
        self.positions = nn.Embedding(context, channels)
        self.blocks = nn.Sequential(*[Block(channels, heads, context) for _ in range(layers)])
        self.ln = nn.LayerNorm(channels)
        self.head = nn.Linear(channels, VOCAB, bias=False)

    def forward(self, idx):
        b, t = idx.size()
        positions = torch.arange(0, t, dtype=torch.long)
        x = self.tokens(idx) + self.positions(positions)
        x = self.blocks(x)
        return self.head(self.ln(x))


class GPTLoss(nn.Module):
    """Mean cross-entropy of each next byte: the training objective."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, idx, targets):
        logits = self.model(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

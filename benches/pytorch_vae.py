"""The PyTorch baseline for benches/train.rs: VAE-MLP-2 (or the convolutional VAE) on the same
MNIST images, same settings.

Usage: python pytorch_vae.py THREADS STEPS [mlp2|conv]. Prints one JSON line of figures.
"""
import gzip
import json
import pathlib
import sys
import time

import numpy as np
import torch
from torch import nn

threads, steps = int(sys.argv[1]), int(sys.argv[2])
conv = len(sys.argv) > 3 and sys.argv[3] == "conv"
torch.set_num_threads(threads)
torch.manual_seed(0)

assets = pathlib.Path(__file__).resolve().parent.parent / "assets" / "mnist"
raw = gzip.decompress((assets / "t10k-images-idx3-ubyte.gz").read_bytes())[16:]
images = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255.0)


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden, self.mean, self.log_var = nn.Linear(784, 512), nn.Linear(512, 2), nn.Linear(512, 2)
        self.dec_hidden, self.dec_out = nn.Linear(2, 512), nn.Linear(512, 784)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def decode(self, z):
        return self.dec_out(torch.relu(self.dec_hidden(z)))

    def forward(self, x):
        h = torch.relu(self.hidden(x))
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decode(z), mean, log_var


class ConvVae(nn.Module):
    """VaeConfig::conv for MNIST: stride-2 4×4 convolutions of 32 and 64 channels, mirrored."""

    def __init__(self):
        super().__init__()
        self.down1, self.down2 = nn.Conv2d(1, 32, 4, 2, 1), nn.Conv2d(32, 64, 4, 2, 1)
        self.mean, self.log_var = nn.Linear(64 * 7 * 7, 2), nn.Linear(64 * 7 * 7, 2)
        self.dec_in = nn.Linear(2, 64 * 7 * 7)
        self.up1, self.up2 = nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ConvTranspose2d(32, 1, 4, 2, 1)

    def decode(self, z):
        x = torch.relu(self.dec_in(z)).reshape(-1, 64, 7, 7)
        return self.up2(torch.relu(self.up1(x))).flatten(1)

    def forward(self, x):
        h = torch.relu(self.down2(torch.relu(self.down1(x.reshape(-1, 1, 28, 28))))).flatten(1)
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decode(z), mean, log_var


model = ConvVae() if conv else Vae()
optim = torch.optim.Adam(model.parameters(), lr=1e-3)


def step(x):
    logits, mean, log_var = model(x)
    rec = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / x.shape[0]
    loss = rec + kl
    optim.zero_grad()
    loss.backward()
    optim.step()
    return loss.item()


batch = 128
order = torch.randperm(len(images))
batches = [images[order[i : i + batch]] for i in range(0, len(images) - batch + 1, batch)]
for i in range(20):
    step(batches[i % len(batches)])
start = time.perf_counter()
for i in range(steps):
    step(batches[i % len(batches)])
train_s = time.perf_counter() - start


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


with torch.no_grad():
    point, grid = torch.zeros(1, 2), torch.randn(400, 2)
    decode_1 = median_ms(lambda: torch.sigmoid(model.decode(point)).numpy(), 200)
    decode_400 = median_ms(lambda: torch.sigmoid(model.decode(grid)).numpy(), 50)

print(json.dumps({
    "samples_per_s": steps * batch / train_s,
    "decode_1_ms": decode_1,
    "decode_400_ms": decode_400,
    "torch": torch.__version__,
}))

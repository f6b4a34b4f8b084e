# Torch side of bench/gru-step.ts: Qlib's GRU baseline training step and
# inference, timed the same way (median of --steps after --warmup).
# Model: nn.GRU(F, H, L, batch_first) -> out[:, -1] -> Linear(H, 1), MSE, Adam(1e-3).
# Prints one JSON line: {"threads", "train_ms", "infer_ms", "torch"}.
import argparse
import json
import statistics
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--n", type=int, default=300)
ap.add_argument("--t", type=int, default=60)
ap.add_argument("--f", type=int, default=6)
ap.add_argument("--hidden", type=int, default=64)
ap.add_argument("--layers", type=int, default=2)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(a.f, a.hidden, a.layers, batch_first=True)
        self.fc = torch.nn.Linear(a.hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :]).squeeze(-1)


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.randn(a.n, a.t, a.f)
y = torch.randn(a.n)


def train_step():
    opt.zero_grad()
    loss = torch.mean((net(x) - y) ** 2)
    loss.backward()
    opt.step()
    return loss.item()


def infer():
    with torch.no_grad():
        return net(x)[0].item()


def median_ms(fn):
    for _ in range(a.warmup):
        fn()
    ts = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


train = median_ms(train_step)
inf = median_ms(infer)
print(json.dumps({"threads": a.threads, "train_ms": train, "infer_ms": inf, "torch": torch.__version__}))

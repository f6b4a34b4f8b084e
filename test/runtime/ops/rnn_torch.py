# Cross-check helper for test/runtime/ops/rnn.test.ts: loads Quiver's RNN
# weights (PyTorch names and layouts) into torch.nn.GRU / nn.LSTM and prints
# the outputs. Reads one JSON request on stdin, writes one JSON reply on stdout.
# Float64 throughout, so differences measure Quiver's float32 error only.
import json
import sys

import torch

req = json.load(sys.stdin)
cls = torch.nn.GRU if req["kind"] == "gru" else torch.nn.LSTM
net = cls(req["inputSize"], req["hidden"], req["layers"], batch_first=True).double()
with torch.no_grad():
    for name, p in net.named_parameters():
        p.copy_(torch.tensor(req["weights"][name], dtype=torch.float64).reshape(p.shape))
    x = torch.tensor(req["x"], dtype=torch.float64).reshape(req["shape"])
    out, state = net(x)
    h = state[0] if isinstance(state, tuple) else state
json.dump({"sequence": out.reshape(-1).tolist(), "states": h.reshape(-1).tolist()}, sys.stdout)

"""PyTorch as the oracle of the differential tests.

Reads a JSON list of cases on stdin and writes a JSON list of results on stdout, one per case, in order:

    case   = {"op": "conv2d", "tensors": {"x": {"shape": [1, 3, 8, 8], "data": [...]}, ...}, "options": {...}}
    result = {"shape": [...], "data": [...]}            or, for ops with several outputs,
             {"outputs": {"dx": {"shape": ..., "data": ...}, ...}}   or  {"error": "message"}

Computations run in float64 so the oracle's own rounding is far below float32's. To add an op, add a function
to OPS that takes (tensors, options) and returns a tensor or a dict of tensors.
"""
import json
import sys

import torch
import torch.nn.functional as F


def conv2d(t, o):
    return F.conv2d(t["x"], t["w"], t.get("b"), stride=o.get("stride", 1), padding=o.get("padding", 0),
                    dilation=o.get("dilation", 1), groups=o.get("groups", 1))


OPS = {
    "conv2d": conv2d,
}


def encode(value):
    value = value.detach().to(torch.float64)
    return {"shape": list(value.shape), "data": value.flatten().tolist()}


def run(case):
    tensors = {name: torch.tensor(spec["data"], dtype=torch.float64).reshape(spec["shape"])
               for name, spec in case["tensors"].items()}
    try:
        out = OPS[case["op"]](tensors, case.get("options", {}))
    except Exception as error:  # the test decides whether an error was expected
        return {"error": f"{type(error).__name__}: {error}"}
    if isinstance(out, dict):
        return {"outputs": {name: encode(v) for name, v in out.items()}}
    return encode(out)


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout)

"""PyTorch as the oracle of the differential tests.

Reads a JSON list of cases on stdin and writes a JSON list of results on stdout, one per case, in order:

    case   = {"op": "conv2d", "tensors": {"x": {"shape": [1, 3, 8, 8], "data": [...]}, ...}, "options": {...}}
    result = {"shape": [...], "data": [...]}            or, for ops with several outputs,
             {"outputs": {"dx": {"shape": ..., "data": ...}, ...}}   or  {"error": "message"}

Computations run in float64 so the oracle's own rounding is far below float32's. To add an op, add a function
to OPS that takes (tensors, options) and returns a tensor or a dict of tensors.
"""
import importlib
import json
import os
import sys

import numpy
import torch
import torch.nn.functional as F


def conv2d(t, o):
    return F.conv2d(t["x"], t["w"], t.get("b"), stride=o.get("stride", 1), padding=o.get("padding", 0),
                    dilation=o.get("dilation", 1), groups=o.get("groups", 1))


# ── Pooling and gradients (ConvLab option names: kernel, stride, padding, dilation, ceilMode, countIncludePad, p).

def _window(o):
    return dict(kernel_size=o["kernel"], stride=o.get("stride"), padding=o.get("padding", 0),
                ceil_mode=o.get("ceilMode", False))


def max_pool(t, o):
    pool = F.max_pool1d if t["x"].dim() == 3 else F.max_pool2d
    x = t["x"]
    if o.get("padWithInfinity"):
        # PyTorch's max pool refuses pad > kernel/2 even when dilation makes the window wide enough; pad with −∞
        # by hand (floor mode only: ceil mode's last-window rule depends on where the padding is).
        x = F.pad(x, (o["padding"],) * 2 * (x.dim() - 2), value=float("-inf"))
        o = {**o, "padding": 0}
    return pool(x, dilation=o.get("dilation", 1), **_window(o))


def avg_pool(t, o):
    pool = F.avg_pool1d if t["x"].dim() == 3 else F.avg_pool2d
    return pool(t["x"], count_include_pad=o.get("countIncludePad", True), **_window(o))


def lp_pool2d(t, o):
    # ONNX LpPool: (sum |x|^p)^(1/p) over the real cells. divisor_override=1 turns the average into a plain sum
    # (padding adds zeros; a ceil-mode overhang adds nothing), unlike F.lp_pool2d, which drops the abs.
    p = o.get("p", 2)
    return F.avg_pool2d(t["x"].abs() ** p, divisor_override=1, **_window(o)) ** (1 / p)


def adaptive_avg_pool2d(t, o):
    return F.adaptive_avg_pool2d(t["x"], o["outputSize"])


def adaptive_max_pool2d(t, o):
    return F.adaptive_max_pool2d(t["x"], o["outputSize"])


def conv_backward_nd(n):
    """Autograd through F.convNd (batched or unbatched); explicit per-side `pads` ([before, after] per spatial axis,
    e.g. [[top, bottom], [left, right]] in 2-D) go through F.pad first, so their gradient flows back through it."""
    conv = getattr(F, f"conv{n}d")

    def backward(t, o):
        x, w = t["x"].requires_grad_(True), t["w"].requires_grad_(True)
        b = torch.zeros(w.shape[0], dtype=w.dtype, requires_grad=True)
        padded = x
        padding = o.get("padding", 0)
        if "pads" in o:
            padded, padding = pad_torch({"x": x}, {"widths": o["pads"]}), 0
        y = conv(padded, w, b, stride=o.get("stride", 1), padding=padding, dilation=o.get("dilation", 1),
                 groups=o.get("groups", 1))
        y.backward(t["dy"])
        return {"dx": x.grad, "dw": w.grad, "db": b.grad}
    return backward


def pool_backward(forward):
    def backward(t, o):
        x = t["x"].requires_grad_(True)
        forward({**t, "x": x}, o).backward(t["dy"])
        return x.grad
    return backward
# ConvLab's pad-mode names -> NumPy's (PyTorch's F.pad uses ConvLab's names, but has no 'symmetric').
NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "symmetric": "symmetric", "replicate": "edge",
               "circular": "wrap"}


def pad_numpy(t, o):
    """numpy.pad on the trailing axes; negative widths crop first (numpy rejects them), as ConvLab defines."""
    x = t["x"].numpy()
    widths = o["widths"]
    lead = x.ndim - len(widths)
    crop = tuple(slice(None) for _ in range(lead)) + tuple(
        slice(max(0, -b), x.shape[lead + i] - max(0, -a)) for i, (b, a) in enumerate(widths))
    x = x[crop]
    pads = [(0, 0)] * lead + [(max(0, b), max(0, a)) for b, a in widths]
    mode = NUMPY_MODES[o.get("mode", "constant")]
    extra = {"constant_values": o.get("value", 0)} if mode == "constant" else {}
    return torch.from_numpy(numpy.pad(x, pads, mode=mode, **extra))


def pad_torch(t, o):
    """F.pad: the pairs are given in axis order here and reversed into PyTorch's last-axis-first tuple."""
    flat = [w for pair in reversed(o["widths"]) for w in pair]
    mode = o.get("mode", "constant")
    return F.pad(t["x"], flat, mode=mode, value=o.get("value", 0) if mode == "constant" else None)


def conv_nd(n):
    """F.convNd. With `pads` ([before, after] per spatial axis) and `mode`, the input is padded first —
    by F.pad (what PyTorch's padding_mode does) or, for modes or sizes PyTorch lacks, by numpy.pad."""
    conv = getattr(F, f"conv{n}d")

    def run(t, o):
        x = t["x"]
        padding = o.get("padding", 0)
        if "pads" in o:
            pad = pad_numpy if o.get("pad_with") == "numpy" else pad_torch
            x = pad({"x": x}, {"widths": o["pads"], "mode": o.get("mode", "constant"), "value": o.get("value", 0)})
            padding = 0
        return conv(x, t["w"], t.get("b"), stride=o.get("stride", 1), padding=padding,
                    dilation=o.get("dilation", 1), groups=o.get("groups", 1))
    return run


def conv_transpose_nd(n):
    conv = getattr(F, f"conv_transpose{n}d")

    def run(t, o):
        return conv(t["x"], t["w"], t.get("b"), stride=o.get("stride", 1), padding=o.get("padding", 0),
                    output_padding=o.get("output_padding", 0), groups=o.get("groups", 1),
                    dilation=o.get("dilation", 1))
    return run


def unfold(t, o):
    return F.unfold(t["x"], o["kernel_size"], dilation=o.get("dilation", 1), padding=o.get("padding", 0),
                    stride=o.get("stride", 1))


def fold(t, o):
    return F.fold(t["x"], o["output_size"], o["kernel_size"], dilation=o.get("dilation", 1),
                  padding=o.get("padding", 0), stride=o.get("stride", 1))


OPS = {
    "conv2d": conv2d,
    "max_pool": max_pool,
    "avg_pool": avg_pool,
    "lp_pool2d": lp_pool2d,
    "adaptive_avg_pool2d": adaptive_avg_pool2d,
    "adaptive_max_pool2d": adaptive_max_pool2d,
    "conv1d_backward": conv_backward_nd(1),
    "conv2d_backward": conv_backward_nd(2),
    "conv3d_backward": conv_backward_nd(3),
    "max_pool_backward": pool_backward(max_pool),
    "avg_pool_backward": pool_backward(avg_pool),
    "adaptive_avg_pool2d_backward": pool_backward(adaptive_avg_pool2d),
    "adaptive_max_pool2d_backward": pool_backward(adaptive_max_pool2d),
    "pad_numpy": pad_numpy,
    "pad_torch": pad_torch,
    "conv1d": conv_nd(1),
    "conv2d_nd": conv_nd(2),
    "conv3d": conv_nd(3),
    "conv_transpose1d": conv_transpose_nd(1),
    "conv_transpose2d": conv_transpose_nd(2),
    "unfold": unfold,
    "fold": fold,
}

# Each family of ops keeps its oracle functions in its own module next to this one (oracle_pool.py, …), each with
# its own OPS dict; they are merged here, so a name can be defined once only.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for _family in ("oracle_pool", "oracle_transpose", "oracle_nn", "oracle_image"):
    _ops = importlib.import_module(_family).OPS
    _twice = set(_ops) & set(OPS)
    assert not _twice, f"{_family} redefines {_twice}"
    OPS.update(_ops)


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
    torch.set_num_threads(1)  # tiny tensors: thread start-up costs more than it saves on a shared machine
    json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout)

"""Pooling ops beyond oracle.py's 2-D ones: 3-D pools, LP pools, max-pool indices and unpooling, pads wider than PyTorch allows (ONNX reference semantics).

Merged into oracle.py's OPS; functions take (tensors, options) as there. Options use ConvLab's names (kernel,
stride, padding, dilation, ceilMode, countIncludePad, p, outputSize); the number of spatial axes is the input's
rank − 2, so one function serves 1-D, 2-D and 3-D.
"""
import numpy
import torch
import torch.nn.functional as F


def _n(x):
    return x.dim() - 2


def _window(o):
    return dict(kernel_size=o["kernel"], stride=o.get("stride"), padding=o.get("padding", 0),
                ceil_mode=o.get("ceilMode", False))


def max_pool_nd(t, o):
    pool = getattr(F, f"max_pool{_n(t['x'])}d")
    return pool(t["x"], dilation=o.get("dilation", 1), **_window(o))


def avg_pool_nd(t, o):
    pool = getattr(F, f"avg_pool{_n(t['x'])}d")
    return pool(t["x"], count_include_pad=o.get("countIncludePad", True), **_window(o))


def lp_pool_nd(t, o):
    """ONNX LpPool, (sum |x|^p)^(1/p) over the real cells: a sum pool (avg with divisor_override=1) of |x|^p.
    F.avg_pool1d has no divisor_override, so a 1-D input runs as 2-D with a unit height."""
    p = o.get("p", 2)
    x = t["x"].abs() ** p
    one_d = _n(x) == 1
    window = _window(o)
    if one_d:
        x = x.unsqueeze(2)
        # A unit height: kernel and stride 1, padding 0 on it.
        lead = {"kernel_size": 1, "stride": 1, "padding": 0}
        window = {k: (lead[k], *(v if isinstance(v, list) else [v])) if k in lead and v is not None else v
                  for k, v in window.items()}
    pool = getattr(F, f"avg_pool{_n(x)}d")
    out = pool(x, divisor_override=1, **window)
    if one_d:
        out = out.squeeze(2)
    return out ** (1 / p)


def _output_size(o):
    size = o["outputSize"]
    return tuple(size) if isinstance(size, list) else size


def adaptive_avg_pool_nd(t, o):
    return getattr(F, f"adaptive_avg_pool{_n(t['x'])}d")(t["x"], _output_size(o))


def adaptive_max_pool_nd(t, o):
    return getattr(F, f"adaptive_max_pool{_n(t['x'])}d")(t["x"], _output_size(o))


def max_pool_padded_by_hand(t, o):
    """Max pool of an input padded with −∞ by hand (floor mode), for windows that read no input cell: PyTorch
    gives −∞ there, sent as −`infSentinel` (JSON has no infinity)."""
    x = F.pad(t["x"], (o["padding"],) * 2 * _n(t["x"]), value=float("-inf"))
    y = max_pool_nd({"x": x}, {**o, "padding": 0})
    return torch.where(torch.isinf(y), torch.full_like(y, -o["infSentinel"]), y)


def backward(forward):
    def run(t, o):
        x = t["x"]
        if "nanSentinel" in o:  # JSON has no NaN: the test sends this value in its place
            x = torch.where(x == o["nanSentinel"], torch.full_like(x, float("nan")), x)
        x = x.requires_grad_(True)
        forward({**t, "x": x}, o).backward(t["dy"])
        return x.grad
    return run


def max_pool_indices(t, o):
    """The values and indices of F.max_pool{n}d(return_indices=True) or F.adaptive_max_pool{n}d."""
    n = _n(t["x"])
    if "outputSize" in o:
        values, indices = getattr(F, f"adaptive_max_pool{n}d")(t["x"], _output_size(o), return_indices=True)
    else:
        values, indices = getattr(F, f"max_pool{n}d")(t["x"], dilation=o.get("dilation", 1), return_indices=True,
                                                         **_window(o))
    return {"values": values, "indices": indices}


def max_unpool_nd(t, o):
    unpool = getattr(F, f"max_unpool{_n(t['x'])}d")
    size = o.get("outputSize")
    return unpool(t["x"], t["indices"].long(), o["kernel"], stride=o.get("stride"), padding=o.get("padding", 0),
                  output_size=tuple(size) if size is not None else None)


def onnx_pool(t, o):
    """One ONNX node (MaxPool, AveragePool or LpPool) run by onnxruntime (or onnx.reference with engine
    "reference") in float32: the reference for the pads wider than half the kernel that PyTorch refuses.
    `pads` is [[before, after], ...] per spatial axis."""
    import onnx
    import onnx.helper as h
    import onnxruntime

    x = t["x"].numpy().astype(numpy.float32)
    n = x.ndim - 2
    kernel = o["kernel"] if isinstance(o["kernel"], list) else [o["kernel"]] * n
    stride = o.get("stride") or kernel
    stride = stride if isinstance(stride, list) else [stride] * n
    pads = o["pads"]
    attributes = dict(kernel_shape=kernel, strides=stride, pads=[p[0] for p in pads] + [p[1] for p in pads],
                      ceil_mode=int(o.get("ceilMode", False)))
    op = o["onnxOp"]
    if op == "MaxPool":
        dilation = o.get("dilation", 1)
        attributes["dilations"] = dilation if isinstance(dilation, list) else [dilation] * n
    if op == "AveragePool":
        attributes["count_include_pad"] = int(o.get("countIncludePad", True))
    if op == "LpPool":
        attributes["p"] = o.get("p", 2)
    node = h.make_node(op, ["x"], ["y"], **attributes)
    graph = h.make_graph([node], "pool", [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, list(x.shape))],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 19)])
    model.ir_version = 9
    if o.get("engine") == "reference":
        # onnx.reference takes any pad; onnxruntime only pads below the kernel (not the effective kernel).
        from onnx.reference import ReferenceEvaluator
        y = ReferenceEvaluator(model).run(None, {"x": x})[0].astype(numpy.float64)
        # A window without a real cell is left undefined there (NaN or 0); JSON has no NaN, so send 0.
        return torch.from_numpy(numpy.nan_to_num(y, nan=0.0))
    quiet = onnxruntime.SessionOptions()
    # ONNX's shape inference ignores the ceil-mode last-window rule that ORT applies; ORT warns of the mismatch.
    quiet.log_severity_level = 3
    session = onnxruntime.InferenceSession(model.SerializeToString(), quiet, providers=["CPUExecutionProvider"])
    return torch.from_numpy(session.run(None, {"x": x})[0].astype(numpy.float64))


OPS = {
    "max_pool_nd": max_pool_nd,
    "avg_pool_nd": avg_pool_nd,
    "lp_pool_nd": lp_pool_nd,
    "adaptive_avg_pool_nd": adaptive_avg_pool_nd,
    "adaptive_max_pool_nd": adaptive_max_pool_nd,
    "max_pool_nd_backward": backward(max_pool_nd),
    "avg_pool_nd_backward": backward(avg_pool_nd),
    "lp_pool_nd_backward": backward(lp_pool_nd),
    "adaptive_avg_pool_nd_backward": backward(adaptive_avg_pool_nd),
    "adaptive_max_pool_nd_backward": backward(adaptive_max_pool_nd),
    "max_pool_indices": max_pool_indices,
    "max_unpool_nd": max_unpool_nd,
    "onnx_pool": onnx_pool,
    "max_pool_padded_by_hand": max_pool_padded_by_hand,
}

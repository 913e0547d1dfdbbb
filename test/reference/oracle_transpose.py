"""Transposed convolutions: 3-D and output sizes given directly (PyTorch output_size, ONNX output_shape).

Merged into oracle.py's OPS; functions take (tensors, options) as there. The number of spatial axes is the
input's rank − 2, so one function serves 1-D, 2-D and 3-D. Options: stride, padding, dilation, groups,
output_padding (PyTorch's names, as oracle.py's conv_transpose ops), output_size (PyTorch), output_shape and
auto_pad (ONNX), engine ("ort" or "reference" for the ONNX ops).
"""
import numpy
import torch
import torch.nn as nn
import torch.nn.functional as F


def _n(x):
    return x.dim() - 2


def conv_transpose_nd(t, o):
    """F.conv_transposeNd, for any number of spatial axes (oracle.py's conv_transpose1d/2d fix n)."""
    conv = getattr(F, f"conv_transpose{_n(t['x'])}d")
    return conv(t["x"], t["w"], t.get("b"), stride=o.get("stride", 1), padding=o.get("padding", 0),
                output_padding=o.get("output_padding", 0), groups=o.get("groups", 1), dilation=o.get("dilation", 1))


def conv_transpose_output_size(t, o):
    """nn.ConvTransposeNd(...)(x, output_size=...): the module derives output_padding from the size asked for."""
    x, w, b = t["x"], t["w"], t.get("b")
    groups = o.get("groups", 1)
    module = getattr(nn, f"ConvTranspose{_n(x)}d")(
        w.shape[0], w.shape[1] * groups, tuple(w.shape[2:]), stride=o.get("stride", 1), padding=o.get("padding", 0),
        dilation=o.get("dilation", 1), groups=groups, bias=b is not None, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(w)
        if b is not None:
            module.bias.copy_(b)
    return module(x, output_size=o["output_size"])


def _onnx_model(attributes, dtype):
    import onnx
    from onnx import helper

    elem = onnx.TensorProto.DOUBLE if dtype == numpy.float64 else onnx.TensorProto.FLOAT
    inputs = ["x", "w", "b"] if "b" in attributes.pop("_inputs") else ["x", "w"]
    node = helper.make_node("ConvTranspose", inputs, ["y"], **attributes)
    graph = helper.make_graph(
        [node], "convtranspose", [helper.make_tensor_value_info(name, elem, None) for name in inputs],
        [helper.make_tensor_value_info("y", elem, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def onnx_conv_transpose(t, o):
    """ONNX ConvTranspose with output_shape (and auto_pad), on onnxruntime (float32, its only ConvTranspose type) or
    on onnx's reference evaluator (float64). The reference evaluator raises for a cropping output_shape with
    NOTSET; the schema splits SAME_LOWER's pads the same way, so the tests send those cases as SAME_LOWER.
    onnxruntime refuses sizes stride or more past the full output."""
    n = _n(t["x"])
    engine = o.get("engine", "ort")
    dtype = numpy.float32 if engine == "ort" else numpy.float64
    feeds = {name: t[name].numpy().astype(dtype) for name in ("x", "w", "b") if name in t}

    def per_axis(value):
        return list(value) if isinstance(value, (list, tuple)) else [value] * n

    attributes = {"_inputs": list(feeds), "strides": per_axis(o.get("stride", 1)),
                  "dilations": per_axis(o.get("dilation", 1)), "group": o.get("groups", 1),
                  "output_shape": per_axis(o["output_shape"])}
    if "auto_pad" in o:
        attributes["auto_pad"] = o["auto_pad"]
    model = _onnx_model(attributes, dtype)
    if engine == "ort":
        import onnxruntime
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        out = session.run(None, feeds)[0]
    else:
        from onnx.reference import ReferenceEvaluator
        out = ReferenceEvaluator(model).run(None, feeds)[0]
    return torch.from_numpy(numpy.asarray(out, dtype=numpy.float64))


OPS = {
    "conv_transpose_nd": conv_transpose_nd,
    "conv_transpose_output_size": conv_transpose_output_size,
    "onnx_conv_transpose": onnx_conv_transpose,
}

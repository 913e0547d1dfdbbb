"""Layers and losses of a small network: flatten, linear, softmax, cross-entropy, activations, and training steps.

Merged into oracle.py's OPS; functions take (tensors, options) as there. Class indices arrive as float64 values
(every wire tensor does) and are cast to int64 here. Gradients come from autograd: each *_backward op runs the
forward on inputs that require grad and calls backward with the case's `dy`.
"""
import torch
import torch.nn.functional as F
from torch import nn


def flatten(t, o):
    return torch.flatten(t["x"], o.get("startDim", 1), o.get("endDim", -1))


def linear(t, o):
    return F.linear(t["x"], t["w"], t.get("b"))


def linear_backward(t, o):
    x, w = t["x"].requires_grad_(True), t["w"].requires_grad_(True)
    b = torch.zeros(w.shape[0], dtype=w.dtype, requires_grad=True)
    F.linear(x, w, b).backward(t["dy"])
    return {"dx": x.grad, "dw": w.grad, "db": b.grad}


def _cross_entropy(logits, t, o):
    return F.cross_entropy(logits, t["target"].long(), reduction=o.get("reduction", "mean"),
                           label_smoothing=o.get("labelSmoothing", 0.0))


# Forward ops of one input `x` (options: `axis` for the softmaxes), by ConvLab's name.
UNARY = {
    "softmax": lambda x, o: F.softmax(x, dim=o.get("axis", -1)),
    "log_softmax": lambda x, o: F.log_softmax(x, dim=o.get("axis", -1)),
    "sigmoid": lambda x, o: torch.sigmoid(x),
    "tanh": lambda x, o: torch.tanh(x),
    "relu": lambda x, o: F.relu(x),
}


def unary_backward(name):
    def backward(t, o):
        x = t["x"].requires_grad_(True)
        UNARY[name](x, o).backward(t["dy"])
        return x.grad
    return backward


def cross_entropy(t, o):
    return _cross_entropy(t["logits"], t, o)


def cross_entropy_backward(t, o):
    logits = t["logits"].requires_grad_(True)
    _cross_entropy(logits, t, o).backward(t["dy"])
    return logits.grad


def _module(spec, params, index):
    """The torch module of a ConvLab layer spec; conv and linear sizes come from their initial weights."""
    op = spec["op"]
    weight = params.get(f"{index}.weight")
    has_bias = f"{index}.bias" in params
    if op == "conv2d":
        out_channels, in_per_group = weight.shape[0], weight.shape[1]
        groups = spec.get("groups", 1)
        return nn.Conv2d(in_per_group * groups, out_channels, tuple(weight.shape[2:]), stride=spec.get("stride", 1),
                         padding=spec.get("padding", 0), dilation=spec.get("dilation", 1), groups=groups,
                         bias=has_bias, dtype=torch.float64)
    if op == "linear":
        return nn.Linear(weight.shape[1], weight.shape[0], bias=has_bias, dtype=torch.float64)
    if op in ("maxPool2d", "avgPool2d"):
        window = dict(kernel_size=spec["kernel"], stride=spec.get("stride"), padding=spec.get("padding", 0),
                      ceil_mode=spec.get("ceilMode", False))
        if op == "maxPool2d":
            return nn.MaxPool2d(dilation=spec.get("dilation", 1), **window)
        return nn.AvgPool2d(count_include_pad=spec.get("countIncludePad", True), **window)
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten,
              "identity": nn.Identity, "softmax": lambda: nn.Softmax(dim=-1),
              "logSoftmax": lambda: nn.LogSoftmax(dim=-1)}
    return simple[op]()


def sequential_train(t, o):
    """nn.Sequential of the specs, loaded with ConvLab's initial parameters, trained `steps` SGD steps on
    cross-entropy; batch k is rows k·B…(k+1)·B−1 of x and target. Returns the first forward's output, each
    step's loss and the final parameters (by state_dict name)."""
    params = {name: value for name, value in t.items() if name not in ("x", "target")}
    net = nn.Sequential(*[_module(spec, params, i) for i, spec in enumerate(o["layers"])])
    net.load_state_dict(params)
    sgd = o["sgd"]
    opt = torch.optim.SGD(net.parameters(), lr=sgd["lr"], momentum=sgd.get("momentum", 0),
                          dampening=sgd.get("dampening", 0), weight_decay=sgd.get("weightDecay", 0),
                          nesterov=sgd.get("nesterov", False))
    steps = o["steps"]
    xs, targets = t["x"].chunk(steps), t["target"].long().chunk(steps)
    losses, first = [], None
    for x, target in zip(xs, targets):
        opt.zero_grad()
        out = net(x)
        first = out.detach().clone() if first is None else first
        loss = F.cross_entropy(out, target, label_smoothing=o.get("labelSmoothing", 0.0))
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return {"output": first, "loss": torch.stack(losses), **dict(net.state_dict())}


OPS = {
    "flatten": flatten,
    "linear": linear,
    "linear_backward": linear_backward,
    **{name: (lambda f: lambda t, o: f(t["x"], o))(f) for name, f in UNARY.items() if name != "relu"},
    **{f"{name}_backward": unary_backward(name) for name in UNARY},
    "cross_entropy": cross_entropy,
    "cross_entropy_backward": cross_entropy_backward,
    "sequential_train": sequential_train,
}

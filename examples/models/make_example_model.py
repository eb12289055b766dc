#!/usr/bin/env python3
"""Writes examples/models/digits_cnn.h5 and digits_sample.npy.

A small CNN that classifies 8x8 grayscale digits, saved in the Keras 3 legacy
HDF5 layout (what `model.save("digits_cnn.h5")` writes in Keras 3.15) with
h5py: no Keras or TensorFlow is involved. The weights are trained here with
torch on synthetic digits (a 5x7 bitmap font, randomly shifted, thickened and
noised), then stored in Keras' layout.

    /usr/bin/python3 examples/models/make_example_model.py

Deterministic (fixed seeds, one thread); runs in a few seconds.
"""

import json
import os

import h5py
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
KERAS_VERSION = "3.15.1"
MODEL_NAME = "digits_cnn"

FONT = {  # 5 columns x 7 rows
    0: ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    1: ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    2: ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    3: ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    4: ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    5: ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    6: ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    7: ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    8: ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    9: ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
}
GLYPHS = {d: np.array([[float(c) for c in row] for row in rows]) for d, rows in FONT.items()}


def make_digits(rng, n):
    """n images (n, 8, 8, 1) in [0, 1] and their labels."""
    x = np.zeros((n, 8, 8, 1), np.float32)
    y = rng.integers(0, 10, size=n)
    for i, d in enumerate(y):
        g = GLYPHS[int(d)].copy()
        if rng.random() < 0.3:  # thicker strokes
            g = np.maximum(g, np.roll(g, 1, axis=1) * (np.arange(5) > 0))
        r, c = rng.integers(0, 2), rng.integers(0, 4)
        img = np.zeros((8, 8))
        img[r:r + 7, c:c + 5] = g * rng.uniform(0.6, 1.0)
        img += rng.normal(0.0, 0.08, size=(8, 8))
        x[i, :, :, 0] = np.clip(img, 0.0, 1.0)
    return x, y


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)  # Keras Conv2D(8, 3, padding="same")
        self.conv2 = torch.nn.Conv2d(8, 16, 3)  # Keras Conv2D(16, 3), valid
        self.dense = torch.nn.Linear(16, 10)

    def forward(self, x_nhwc):
        x = x_nhwc.permute(0, 3, 1, 2)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.dense(x.mean(dim=(2, 3)))  # logits; softmax in the Keras model


def train():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x, y = make_digits(rng, 4000)
    xt, yt = make_digits(rng, 1000)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for step in range(600):
        idx = torch.from_numpy(rng.integers(0, len(x), size=128))
        loss = F.cross_entropy(net(xs[idx]), ys[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        acc = (net(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean()
    return net, acc


# --- a plain numpy forward over the Keras-layout weights (the check) ---------


def conv2d_nhwc(x, k, b, same):
    kh, kw = k.shape[:2]
    if same:  # stride 1, odd kernel: (k - 1) / 2 on each side
        x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    y = np.zeros((n, oh, ow, k.shape[3]))
    for i in range(kh):
        for j in range(kw):
            y += np.tensordot(x[:, i:i + oh, j:j + ow, :], k[i, j], axes=([3], [0]))
    return y + b


def keras_forward(w, x):
    h = np.maximum(conv2d_nhwc(x, w["conv2d"][0], w["conv2d"][1], True), 0)
    n, hh, ww, c = h.shape
    h = h.reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))
    h = np.maximum(conv2d_nhwc(h, w["conv2d_1"][0], w["conv2d_1"][1], False), 0)
    z = h.mean(axis=(1, 2)) @ w["dense"][0] + w["dense"][1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- the Keras 3 legacy .h5 layout -------------------------------------------

DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def initializer(cls):
    cfg = {"seed": None, "input_axes": None, "output_axes": None} if cls == "GlorotUniform" else {}
    return {"module": "keras.initializers", "class_name": cls, "config": cfg, "registered_name": None}


def conv_config(name, filters, padding):
    return {"class_name": "Conv2D", "config": {
        "name": name, "trainable": True, "dtype": DTYPE, "filters": filters, "kernel_size": [3, 3],
        "strides": [1, 1], "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
        "groups": 1, "activation": "relu", "use_bias": True, "kernel_initializer": initializer("GlorotUniform"),
        "bias_initializer": initializer("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}


def model_config():
    layers = [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 1], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "input_layer",
                                                "optional": False}},
        conv_config("conv2d", 8, "same"),
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": True, "dtype": DTYPE,
                                                  "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                                  "data_format": "channels_last"}},
        conv_config("conv2d_1", 16, "valid"),
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d", "trainable": True,
                                                            "dtype": DTYPE, "data_format": "channels_last",
                                                            "keepdims": False}},
        {"class_name": "Dense", "config": {
            "name": "dense", "trainable": True, "dtype": DTYPE, "units": 10, "activation": "softmax",
            "use_bias": True, "kernel_initializer": initializer("GlorotUniform"),
            "bias_initializer": initializer("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}},
    ]
    return {"class_name": "Sequential", "config": {"name": MODEL_NAME, "trainable": True, "dtype": DTYPE,
                                                   "layers": layers, "build_input_shape": [None, 8, 8, 1]}}


def write_h5(path, weights):
    layer_names = ["conv2d", "max_pooling2d", "conv2d_1", "global_average_pooling2d", "dense"]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config()).encode("utf8")
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [n.encode("utf8") for n in layer_names]
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        for name in sorted(layer_names):
            sub = g.create_group(name)
            values = weights.get(name, [])
            paths = ["%s/%s/%s" % (MODEL_NAME, name, v) for v in ("kernel", "bias")][:len(values)]
            sub.attrs["weight_names"] = [p.encode("utf8") for p in paths]
            for p, v in zip(paths, values):
                sub.create_dataset(p, v.shape, dtype=v.dtype)[:] = v
        top = g.create_group("top_level_model_weights")
        top.attrs["weight_names"] = []


def main():
    net, acc = train()
    sd = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
    weights = {  # torch (out, in, kh, kw) -> Keras (kh, kw, in, out); Linear (out, in) -> (in, out)
        "conv2d": [sd["conv1.weight"].transpose(2, 3, 1, 0), sd["conv1.bias"]],
        "conv2d_1": [sd["conv2.weight"].transpose(2, 3, 1, 0), sd["conv2.bias"]],
        "dense": [sd["dense.weight"].T, sd["dense.bias"]],
    }
    weights = {k: [np.ascontiguousarray(v, dtype=np.float32) for v in vs] for k, vs in weights.items()}

    sample_rng = np.random.default_rng(7)
    x, y = make_digits(sample_rng, 64)
    w64 = {k: [v.astype(np.float64) for v in vs] for k, vs in weights.items()}
    ref = keras_forward(w64, x.astype(np.float64))
    with torch.no_grad():
        tp = torch.softmax(net(torch.from_numpy(x)), dim=1).double().numpy()
    np.testing.assert_allclose(ref, tp, atol=1e-5)  # the Keras layout computes what torch trained

    i = int(np.flatnonzero(y == 3)[0])
    sample = x[i:i + 1]
    write_h5(os.path.join(HERE, "digits_cnn.h5"), weights)
    np.save(os.path.join(HERE, "digits_sample.npy"), sample)
    p = keras_forward(w64, sample.astype(np.float64))[0]
    print("held-out accuracy on synthetic digits: %.3f" % acc)
    print("digits_sample.npy is a '%d'; predicted class %d, p = %.4f" % (y[i], p.argmax(), p.max()))
    print("probabilities:", np.array2string(p, precision=4, suppress_small=True))


if __name__ == "__main__":
    main()

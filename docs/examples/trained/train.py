"""Train the small convolutional denoisers of the trained-network examples (JAX, CPU).

    python3 train.py digits   # class-conditional, receptive field 5×5, zero padding (≈ ELS P = 5, boundary "zero")
    python3 train.py brick    # unconditional, receptive field 7×7, circular padding (≈ circular ELS P = 7)
    python3 train.py digits --seed 2 --out /tmp/seed2   # another seed, elsewhere (the seed-to-seed spread)

Writes weights/<name>.npz (float32) and prints its SHA-256. Data: the package's built-in files
(parameters/data), mapped to [−1, 1] exactly as a run with data.normalise = true maps them (the
file's range over all its images). Noise: the package's `vp` schedule, α = e^{−t/2},
σ² = 1 − e^{−t}; log λ = log(α²/σ²) is drawn uniformly in [−13, 10], which covers t from 1e-4 to
beyond 12. Loss: the mean squared error of v = α ε − σ x0. Seeded: the same seed, JAX version and
machine give the same weights.
"""
import argparse
import hashlib
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from network import FREQUENCIES, Network

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "parameters", "data")

CONFIGS = {
    "digits": dict(file="digits_images_f32.npy", labels="digits_labels_u8.npy", select=None, kernels=[3, 3, 1], width=48,
                   circular=False, classes=10, batch=128, steps=6000, lr=2e-3, drop=0.15, seed=1),
    "brick": dict(file="images_64_f32.npy", labels=None, select=1, kernels=[3, 3, 3, 1], width=32,
                  circular=True, classes=0, batch=4, steps=4000, lr=2e-3, drop=0.0, seed=1),
}


def load(c):
    x = np.load(os.path.join(DATA, c["file"])).astype(np.float64)
    lo, hi = x.min(), x.max()                  # the package's unit-interval map over the whole file
    x = 2 * (x - lo) / (hi - lo) - 1
    y = np.load(os.path.join(DATA, c["labels"])).astype(np.int32) if c["labels"] else np.zeros(len(x), np.int32)
    if c["select"] is not None:
        x, y = x[c["select"]:c["select"] + 1], y[c["select"]:c["select"] + 1]
    return x.astype(np.float32), y


def init(key, c):
    width, params = c["width"], {}
    n_embed_in = 2 * len(FREQUENCIES) + (c["classes"] + 1 if c["classes"] else 0)
    keys = iter(jax.random.split(key, 16))
    params["embed_w"] = jax.random.normal(next(keys), (n_embed_in, width)) / np.sqrt(n_embed_in)
    params["embed_b"] = jnp.zeros(width)
    cin = 1
    for l, k in enumerate(c["kernels"]):
        params[f"conv{l}_w"] = jax.random.normal(next(keys), (k, k, cin, width)) * np.sqrt(2 / (k * k * cin))
        params[f"conv{l}_b"] = jnp.zeros(width)
        params[f"film{l}_w"] = jax.random.normal(next(keys), (width, 2 * width)) * 0.01
        params[f"film{l}_b"] = jnp.zeros(2 * width)
        cin = width
    params["out_w"] = jax.random.normal(next(keys), (1, 1, width, 1)) * np.sqrt(1 / width)
    params["out_b"] = jnp.zeros(1)
    return params


def forward(params, x, log_lambda, onehot, c):
    """v for x (B, H, W); log_lambda (B,); onehot (B, classes + 1) or None: network.py's layers in JAX."""
    silu = jax.nn.silu
    u = log_lambda[:, None] / 8 * FREQUENCIES
    e = jnp.concatenate([jnp.sin(u), jnp.cos(u)] + ([onehot] if c["classes"] else []), axis=1)
    e = silu(e @ params["embed_w"] + params["embed_b"])
    h = x[..., None]

    def conv(h, w, b):
        k = w.shape[0]
        if k > 1:
            p = k // 2
            h = jnp.pad(h, ((0, 0), (p, p), (p, p), (0, 0)), mode="wrap" if c["circular"] else "constant")
        return jax.lax.conv_general_dilated(h, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b

    for l in range(len(c["kernels"])):
        h = conv(h, params[f"conv{l}_w"], params[f"conv{l}_b"])
        gamma, beta = jnp.split(e @ params[f"film{l}_w"] + params[f"film{l}_b"], 2, axis=1)
        h = silu(h * (1 + gamma[:, None, None, :]) + beta[:, None, None, :])
    return conv(h, params["out_w"], params["out_b"])[..., 0]


def main(name, seed, folder):
    c = dict(CONFIGS[name], seed=seed or CONFIGS[name]["seed"])
    images, labels = load(c)
    key = jax.random.PRNGKey(c["seed"])
    key, k0 = jax.random.split(key)
    params = init(k0, c)
    ema = params
    moments = jax.tree_util.tree_map(lambda p: (jnp.zeros_like(p), jnp.zeros_like(p)), params)
    data, data_labels = jnp.asarray(images), jnp.asarray(labels)

    def loss(params, key):
        k1, k2, k3, k4, k5 = jax.random.split(key, 5)
        idx = jax.random.randint(k1, (c["batch"],), 0, len(images))
        x0 = data[idx]
        if c["circular"]:  # random circular shifts: the network is to learn the texture, not one placement
            shifts = jax.random.randint(k5, (c["batch"], 2), 0, x0.shape[1])
            x0 = jax.vmap(lambda im, s: jnp.roll(im, s, axis=(0, 1)))(x0, shifts)
        log_lambda = jax.random.uniform(k2, (c["batch"],), minval=-13.0, maxval=10.0)
        alpha = jnp.sqrt(jax.nn.sigmoid(log_lambda))[:, None, None]     # VP: α² = λ/(1 + λ), σ² = 1/(1 + λ)
        sigma = jnp.sqrt(jax.nn.sigmoid(-log_lambda))[:, None, None]
        eps = jax.random.normal(k3, x0.shape)
        xt = alpha * x0 + sigma * eps
        onehot = None
        if c["classes"]:
            cls = jnp.where(jax.random.uniform(k4, (c["batch"],)) < c["drop"], c["classes"], data_labels[idx])
            onehot = jax.nn.one_hot(cls, c["classes"] + 1)
        v = alpha * eps - sigma * x0
        return jnp.mean((forward(params, xt, log_lambda, onehot, c) - v) ** 2)

    @jax.jit
    def step(params, ema, moments, key, i):
        value, grads = jax.value_and_grad(loss)(params, key)
        lr = c["lr"] * 0.5 * (1 + jnp.cos(jnp.pi * i / c["steps"]))     # cosine decay
        b1, b2 = 0.9, 0.999

        def adam(p, g, m):
            m1, m2 = b1 * m[0] + (1 - b1) * g, b2 * m[1] + (1 - b2) * g * g
            p = p - lr * (m1 / (1 - b1 ** (i + 1))) / (jnp.sqrt(m2 / (1 - b2 ** (i + 1))) + 1e-8)
            return p, (m1, m2)

        flat = jax.tree_util.tree_map(adam, params, grads, moments, is_leaf=lambda z: isinstance(z, tuple))
        params = jax.tree_util.tree_map(lambda z: z[0], flat, is_leaf=lambda z: isinstance(z, tuple))
        moments = jax.tree_util.tree_map(lambda z: z[1], flat, is_leaf=lambda z: isinstance(z, tuple))
        ema = jax.tree_util.tree_map(lambda e, p: 0.999 * e + 0.001 * p, ema, params)
        return params, ema, moments, value

    start, running = time.time(), None
    for i in range(c["steps"]):
        key, k = jax.random.split(key)
        params, ema, moments, value = step(params, ema, moments, k, i)
        running = float(value) if running is None else 0.99 * running + 0.01 * float(value)
        if (i + 1) % 500 == 0 or i == 0:
            print(f"{name}: step {i + 1}/{c['steps']}, loss {running:.4f}, {time.time() - start:.0f} s", file=sys.stderr, flush=True)

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.npz")
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in ema.items()}
    np.savez(path, circular=c["circular"], classes=c["classes"], depth=len(c["kernels"]) , **arrays)

    # The numpy forward pass that serves the network agrees with JAX's.
    net, rng = Network(path), np.random.default_rng(0)
    x = rng.standard_normal((4,) + images.shape[1:])
    cls = [3, None, 0, 9] if c["classes"] else [None] * 4
    onehot = jax.nn.one_hot(jnp.array([c["classes"] if k is None else k for k in cls]), c["classes"] + 1) if c["classes"] else None
    ref = np.asarray(forward({k: jnp.asarray(v) for k, v in arrays.items()}, jnp.asarray(x, jnp.float32), jnp.full(4, 0.5), onehot, c))
    got = net.v(x, 0.5, cls)
    diff = np.abs(got - ref).max() / np.abs(ref).max()
    assert diff < 1e-4, f"numpy and JAX forward passes differ by {diff:.2e} (relative)"
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    print(f"{name}: {time.time() - start:.0f} s, final loss {running:.4f}, numpy vs JAX forward {diff:.1e}; {path}\nsha256 {digest}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train the example denoisers (JAX, CPU).")
    parser.add_argument("names", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--seed", type=int, default=None, help="the training seed (default: the committed weights' seed, 1)")
    parser.add_argument("--out", default=os.path.join(HERE, "weights"), help="the folder of the weights files")
    a = parser.parse_args()
    for name in a.names:
        main(name, a.seed, a.out)

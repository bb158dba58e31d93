"""The small convolutional denoiser of the trained-network examples, in numpy (float64).

One definition serves both sides: train.py evaluates the same layers in JAX and checks that this
numpy forward pass agrees with its own, and serve.py answers Criticality's requests with it, so
that serving needs numpy alone.

    h_0 = x                                           (B, H, W, 1)
    h_l = silu(FiLM_l(conv_l(h_{l-1})))               3×3 or 1×1 convolutions, zero or circular padding
    v   = conv_out(h_L)                               the network predicts v = α ε − σ x0
    FiLM_l(h) = h ⊙ (1 + γ_l(e)) + β_l(e),  e = silu(W [fourier(log λ_t / 8), onehot(class)] + b)

The receptive field is 1 + 2·(number of 3×3 layers): 5 for the digits network, 7 for the brick
network, the patch sizes of the ELS machines they are compared with.
"""
import numpy as np

FREQUENCIES = 2.0 ** (np.arange(8) / 2)


def silu(z):
    return z / (1 + np.exp(-z))


def embedding_input(log_lambda, classes, n_classes):
    """Fourier features of log λ/8 and, for a class-conditional network, the one-hot class
    (index n_classes: the null class of classifier-free guidance)."""
    u = np.asarray(log_lambda, dtype=np.float64).reshape(-1, 1) / 8 * FREQUENCIES
    parts = [np.sin(u), np.cos(u)]
    if n_classes:
        onehot = np.zeros((len(classes), n_classes + 1))
        onehot[np.arange(len(classes)), [n_classes if c is None else c for c in classes]] = 1
        parts.append(onehot)
    return np.concatenate(parts, axis=1)


def conv(h, w, b, circular):
    """'Same' convolution of h (B, H, W, C) with w (k, k, C, C') and bias b."""
    k = w.shape[0]
    if k > 1:
        p = k // 2
        h = np.pad(h, ((0, 0), (p, p), (p, p), (0, 0)), mode="wrap" if circular else "constant")
        windows = np.lib.stride_tricks.sliding_window_view(h, (k, k), axis=(1, 2))  # B, H, W, C, k, k
        return np.einsum("bhwcij,ijcd->bhwd", windows, w, optimize=True) + b
    return h @ w[0, 0] + b


class Network:
    """The denoiser of one weights file (train.py writes them)."""

    def __init__(self, path):
        f = np.load(path)
        self.circular = bool(f["circular"])
        self.n_classes = int(f["classes"])
        self.depth = int(f["depth"])
        self.params = {k: f[k].astype(np.float64) for k in f.files if k.startswith(("conv", "film", "embed", "out"))}

    def v(self, x, log_lambda, classes):
        """The network's v for x (B, H, W), all at one log λ, classes a list (None: unconditional).

        Item by item: BLAS may round a row of a matrix product differently when the batch (the
        matrix) is larger, and Criticality's results must not depend on how requests were
        batched. The per-item products have fixed shapes, so each item's bits are fixed too."""
        return np.stack([self._v(x[i:i + 1], log_lambda, classes[i:i + 1])[0] for i in range(len(x))])

    def _v(self, x, log_lambda, classes):
        p = self.params
        e = embedding_input(np.full(len(x), log_lambda), classes, self.n_classes)
        e = silu(e @ p["embed_w"] + p["embed_b"])
        h = x[..., None]
        for l in range(self.depth):
            h = conv(h, p[f"conv{l}_w"], p[f"conv{l}_b"], self.circular)
            film = e @ p[f"film{l}_w"] + p[f"film{l}_b"]
            gamma, beta = np.split(film, 2, axis=1)
            h = silu(h * (1 + gamma[:, None, None, :]) + beta[:, None, None, :])
        return conv(h, p["out_w"], p["out_b"], self.circular)[..., 0]

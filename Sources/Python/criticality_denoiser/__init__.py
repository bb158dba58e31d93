"""Serve a denoising network to Criticality over its denoiser protocol (version 1).

    from criticality_denoiser import serve
    serve(lambda x, t, alpha, sigma, cls: my_network(x, t, cls))

`f(x, t, alpha, sigma, cls)` receives a float64 array x of shape (B, *lattice_shape), the time t of
the file's schedule with its alpha_t and sigma_t (x_t = alpha_t x0 + sigma_t eps), and cls, a list
of B class labels (None: unconditional). It returns an array of the same shape: x0, eps, the score
or v, as the parameter file's `model.predicts` says. Everything goes over stdin and stdout; print
diagnostics to stderr only. Needs numpy alone.
"""
import json
import sys

import numpy as np

PROTOCOL = "criticality-denoiser"
VERSION = 1

__all__ = ["serve", "PROTOCOL", "VERSION"]


def _read_into(stream, buffer):
    view, got = memoryview(buffer), 0
    while got < len(buffer):
        n = stream.readinto(view[got:])
        if not n:
            raise EOFError(f"input ended after {got} of {len(buffer)} bytes")
        got += n
    return buffer


def _send(stream, header, payload=None):
    stream.write((json.dumps(header) + "\n").encode())
    if payload is not None:
        stream.write(memoryview(payload).cast("B"))
    stream.flush()


def serve(f, shape=None, stdin=None, stdout=None):
    """Answer Criticality's requests with f until it closes the connection.

    shape: the lattice shape the network accepts (checked at the handshake), or None for any.
    """
    inp = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    line = inp.readline()
    if not line:
        return
    hello = json.loads(line)
    if hello.get("protocol") != PROTOCOL or hello.get("version") != VERSION:
        _send(out, {"error": f"expected protocol {PROTOCOL} version {VERSION}, got {hello.get('protocol')} {hello.get('version')}"})
        return
    reply = {"protocol": PROTOCOL, "version": VERSION}
    if shape is not None:
        reply["shape"] = list(shape)
    _send(out, reply)
    while True:
        line = inp.readline()
        if not line:
            return
        request = json.loads(line)
        count, field_shape = request["count"], tuple(request["shape"])
        n = int(np.prod(field_shape))
        x = np.frombuffer(_read_into(inp, bytearray(count * n * 8)), dtype="<f8").reshape((count,) + field_shape)
        try:
            y = f(x, request["t"], request["alpha"], request["sigma"], request["classes"])
            y = np.ascontiguousarray(np.asarray(y, dtype="<f8"))
            if y.shape != x.shape:
                raise ValueError(f"the function returned shape {y.shape} for input {x.shape}")
        except Exception as e:  # one line for Criticality's message, the traceback on stderr
            import traceback
            traceback.print_exc(file=sys.stderr)
            _send(out, {"error": f"{type(e).__name__}: {e}"})
            continue
        _send(out, {"count": count, "dtype": "<f8"}, y)

"""A server that fails in one chosen way, for the failure tests. Usage:
python3 misbehaving_server.py MODE MARKER, MODE one of: exit-at-start, bad-handshake, wrong-shape,
crash (after 3 answers), wrong-length, nan, hang, error, close-input (after the handshake). MARKER is a file it creates at start."""
import json
import os
import sys
import time

import numpy as np

mode, marker = sys.argv[1], sys.argv[2]
open(marker, "w").write(str(os.getpid()))
inp, out = sys.stdin.buffer, sys.stdout.buffer
if mode == "exit-at-start":
    print("cannot load the weights", file=sys.stderr)
    sys.exit(3)
hello = json.loads(inp.readline())
if mode == "bad-handshake":
    out.write(b"hello\n")
    out.flush()
    time.sleep(30)
    sys.exit(0)
reply = {"protocol": "criticality-denoiser", "version": 1}
if mode == "wrong-shape":
    reply["shape"] = [3, 3]
out.write((json.dumps(reply) + "\n").encode())
out.flush()
if mode == "close-input":
    os.close(0)
    time.sleep(30)
answered = 0
while True:
    line = inp.readline()
    if not line:
        break
    req = json.loads(line)
    n = int(np.prod(req["shape"])) * req["count"]
    x = np.frombuffer(inp.read(8 * n), dtype="<f8")
    if mode == "crash" and answered == 3:
        print("Segmentation fault (simulated)", file=sys.stderr)
        os._exit(139)
    if mode == "hang" and answered == 3:
        time.sleep(3600)
    if mode == "error" and answered == 3:
        out.write(b'{"error": "CUDA out of memory"}\n')
        out.flush()
        continue
    y = np.tanh(x)
    if mode == "nan" and answered == 3:
        y[5] = np.nan
    if mode == "wrong-length" and answered == 3:
        y = y[:-1]
    out.write((json.dumps({"count": req["count"], "dtype": "<f8"}) + "\n").encode())
    out.write(y.astype("<f8").tobytes())
    out.flush()
    answered += 1

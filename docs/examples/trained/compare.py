"""The trained networks beside their patch machines, in one SVG (numpy only).

    python3 compare.py [RESULTS] [OUT.svg]

RESULTS holds the folders of parameters/trained-*.toml (default: the repository's results/);
OUT defaults to docs/images/trained-network.svg. Panels: the stiffness σ²h(k, t) of the
homogeneous state at k = 0 (digits) and at the brick's k* (brick), network against ELS, with the
patch machines' windowed C1 time and the data's speciation time; and the guidance-pulse effect
on p(3) against the pulse time t0 for the class-conditional digits network.
"""
import csv
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "results")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "images", "trained-network.svg")


def folder(name):
    return os.path.join(results, name)


def homogeneous(name, wave):
    """t and σ²h of the homogeneous state for probe shell `wave` (0: k = 0, -1: the last, k*)."""
    s = np.load(os.path.join(folder(name), "stiffness_homogeneous.npy"))
    return np.load(os.path.join(folder(name), "t_homogeneous.npy")), s[:, wave]


def summary(name):
    return json.load(open(os.path.join(folder(name), "summary.json")))


W, H, PANEL_W, PANEL_H, LEFT, TOP = 1140, 440, 300, 250, 70, 50
COLORS = {"network": "#c0392b", "ELS": "#2c3e50"}


class Panel:
    def __init__(self, i, title, xlabel, ylabel, xlim, ylim, yticks):
        self.x0, self.y0 = LEFT + i * (PANEL_W + 80), TOP
        self.xlim, self.ylim = np.log10(xlim), ylim
        self.items = [f'<text x="{self.x0 + PANEL_W / 2}" y="{self.y0 - 18}" text-anchor="middle" font-weight="bold">{title}</text>',
                      f'<rect x="{self.x0}" y="{self.y0}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#333"/>',
                      f'<text x="{self.x0 + PANEL_W / 2}" y="{self.y0 + PANEL_H + 40}" text-anchor="middle">{xlabel}</text>',
                      f'<text transform="translate({self.x0 - 48},{self.y0 + PANEL_H / 2}) rotate(-90)" text-anchor="middle">{ylabel}</text>']
        for e in range(int(np.ceil(self.xlim[0])), int(np.floor(self.xlim[1])) + 1):
            x = self.px(10.0**e)
            self.items.append(f'<line x1="{x}" y1="{self.y0 + PANEL_H}" x2="{x}" y2="{self.y0 + PANEL_H + 5}" stroke="#333"/>')
            self.items.append(f'<text x="{x}" y="{self.y0 + PANEL_H + 20}" text-anchor="middle" font-size="12">10<tspan dy="-6" font-size="9">{e}</tspan></text>')
        for v in yticks:
            y = self.py(v)
            self.items.append(f'<line x1="{self.x0 - 5}" y1="{y}" x2="{self.x0}" y2="{y}" stroke="#333"/>')
            label = f"{v + 0:.3g}".replace("-", "−")
            self.items.append(f'<text x="{self.x0 - 8}" y="{y + 4}" text-anchor="end" font-size="12">{label}</text>')
        self.legend = 0

    def px(self, t):
        return self.x0 + PANEL_W * (np.log10(t) - self.xlim[0]) / (self.xlim[1] - self.xlim[0])

    def py(self, v):
        v = min(max(v, self.ylim[0]), self.ylim[1])
        return self.y0 + PANEL_H * (self.ylim[1] - v) / (self.ylim[1] - self.ylim[0])

    def line(self, t, v, color, label, dash=""):
        """A polyline, broken at non-finite values (no line across a gap)."""
        runs, run = [], []
        for a, b in zip(t, v):
            if np.isfinite(b):
                run.append(f"{self.px(a):.1f},{self.py(b):.1f}")
            elif run:
                runs.append(run)
                run = []
        runs.append(run)
        for r in runs:
            if len(r) > 1:
                self.items.append(f'<polyline points="{" ".join(r)}" fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        self.key(color, label, dash)

    def band(self, t, lo, hi, color):
        pts = [f"{self.px(a):.1f},{self.py(b):.1f}" for a, b in zip(t, hi)] + [f"{self.px(a):.1f},{self.py(b):.1f}" for a, b in zip(t[::-1], lo[::-1])]
        self.items.append(f'<polygon points="{" ".join(pts)}" fill="{color}" fill-opacity="0.18" stroke="none"/>')

    def vline(self, t, color, label):
        x = self.px(t)
        self.items.append(f'<line x1="{x}" y1="{self.y0}" x2="{x}" y2="{self.y0 + PANEL_H}" stroke="{color}" stroke-dasharray="2,3"/>')
        self.key(color, label, "2,3")

    def hline(self, v):
        y = self.py(v)
        self.items.append(f'<line x1="{self.x0}" y1="{y}" x2="{self.x0 + PANEL_W}" y2="{y}" stroke="#aaa"/>')

    def key(self, color, label, dash):
        y = self.y0 + PANEL_H + 60 + 16 * self.legend
        self.items.append(f'<line x1="{self.x0}" y1="{y - 4}" x2="{self.x0 + 24}" y2="{y - 4}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        self.items.append(f'<text x="{self.x0 + 30}" y="{y}" font-size="12">{label}</text>')
        self.legend += 1


panels = []
for i, (name, wave, title, window) in enumerate([("digits", 0, "digits: σ²h at k = 0", 5), ("brick", -1, "brick: σ²h at k*", 7)]):
    p = Panel(i, title, "t (vp)", "σ²h(k, t), homogeneous state", (1e-3, 12), (-2.5, 2.5), np.arange(-2.5, 2.6, 0.5))
    p.hline(0)
    for who, dash, suffix in [("network", "", ""), ("ELS", "6,4", "-els")]:
        t, h = homogeneous(f"trained-{name}{suffix}", wave)
        p.line(t, h, COLORS[who], f"{who}" + (f" (P = {window})" if who == "ELS" else f" (receptive field {window}×{window})"), dash)
    s = summary(f"trained-{name}")
    p.vline(s[f"t_c_analytic_c1_window{window}"], "#27ae60", f"C1 of the data under {window}×{window} windows")
    if "t_speciation" in s:
        p.vline(s["t_speciation"], "#8e44ad", "speciation α²Λ_max = 1")
    panels.append(p)

p = Panel(2, "digits: guidance pulse towards 3", "pulse centre t₀ (vp)", "effect on p(3)", (0.02, 12), (0.0, 0.25), np.arange(0, 0.26, 0.05))
rows = [r for r in csv.DictReader(open(os.path.join(folder("trained-digits-pulse"), "pulse.csv"))) if r["condition"].startswith("t0=")]
t0 = np.array([float(r["t0"]) for r in rows])
effect = np.array([float(r["effect"]) for r in rows])
p.band(t0, np.array([float(r["effect_low"]) for r in rows]), np.array([float(r["effect_high"]) for r in rows]), COLORS["network"])
p.line(t0, effect, COLORS["network"], "network, w = 3 in the window (95 % band)")
els = folder("pulse-digits")
if os.path.exists(os.path.join(els, "pulse.csv")):
    rows = [r for r in csv.DictReader(open(os.path.join(els, "pulse.csv"))) if r["condition"].startswith("t0=")]
    p.line(np.array([float(r["t0"]) for r in rows]), np.array([float(r["effect"]) for r in rows]), COLORS["ELS"], "ELS P = 5, w = 1 (pulse-digits.toml)", "6,4")
p.vline(summary("trained-digits")["t_speciation"], "#8e44ad", "speciation α²Λ_max = 1")
panels.append(p)

svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="14">',
       f'<rect width="{W}" height="{H}" fill="white"/>'] + [item for p in panels for item in p.items] + ["</svg>"]
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write("\n".join(svg) + "\n")
print(out)

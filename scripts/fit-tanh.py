#!/usr/bin/env python3
"""Fits the rational behind fprnn's float tanh (VectorMath.tanh(float)) and prints its coefficients.

tanh(x) ~ x P(u) / Q(u), u = x^2, P of degree 5 and Q of degree 4 in u, P(0) = Q(0) = 1, for
|x| <= 10 (the clamp: float tanh is +-1 beyond about 9.01). The fit minimizes the largest relative
error of tanh(x) / x on a grid, by linearized least squares (P - f Q = 0, weighted by 1 / (f Q) of
the previous round) with Lawson's reweighting towards the minimax solution, keeping the best round.
Prints the largest relative error in exact arithmetic and the coefficients rounded to float, as
VectorMath's TP1..TP5 and TQ1..TQ4 hold them. Needs numpy; not part of the build.
Usage: python3 scripts/fit-tanh.py
"""
import sys

try:
    import numpy as np
except ImportError:
    print("fit-tanh.py: needs numpy (Debian: apt-get install python3-numpy); nothing was fitted", file=sys.stderr)
    sys.exit(2)

CLAMP = 10.0
DEG_P, DEG_Q = 5, 4
ROUNDS = 200


def fit():
    x = np.linspace(1e-4, CLAMP, 40000)
    u = (x / CLAMP) ** 2  # scaled to [0, 1] for the conditioning of the least-squares problem
    f = np.tanh(x) / x
    lawson = np.ones_like(x)
    q_prev = np.ones_like(x)
    best = None
    for _ in range(ROUNDS):
        a = np.hstack([np.stack([u ** k for k in range(1, DEG_P + 1)], 1),
                       np.stack([-f * u ** k for k in range(1, DEG_Q + 1)], 1)])
        w = np.sqrt(lawson) / (f * q_prev)
        c, *_ = np.linalg.lstsq(a * w[:, None], -(1 - f) * w, rcond=None)
        p = np.concatenate([[1.0], c[:DEG_P]])
        q = np.concatenate([[1.0], c[DEG_P:]])
        pv = np.polyval(p[::-1], u)
        qv = np.polyval(q[::-1], u)
        err = (pv / qv - f) / f
        worst = np.max(np.abs(err))
        if best is None or worst < best[0]:
            best = (worst, p.copy(), q.copy())
        q_prev = qv
        lawson = lawson * np.abs(err)
        lawson /= lawson.sum()
    worst, p, q = best
    s = CLAMP * CLAMP  # back to the coefficients of u = x^2
    return worst, [p[k] / s ** k for k in range(len(p))], [q[k] / s ** k for k in range(len(q))]


def java_float(v):
    m, e = float(np.float32(v)).hex().split('p')
    return f"{m.rstrip('0').rstrip('.')}p{e}f"


if __name__ == "__main__":
    worst, p, q = fit()
    print(f"largest relative error in exact arithmetic on [0, {CLAMP}]: {worst:.2e}")
    for k in range(1, len(p)):
        print(f"TP{k} = {java_float(p[k])};")
    for k in range(1, len(q)):
        print(f"TQ{k} = {java_float(q[k])};")

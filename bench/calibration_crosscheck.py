#!/usr/bin/python3
"""Cross-checks calibration_bench's classical-test rows with scipy on independent draws.

Reads the benchmark's Markdown output (a file, or stdin), re-simulates the classical comparators
of its power tables for the 1000-row reference (scipy.stats.ks_2samp, chi2_contingency without
correction, the pooled two-proportion z-test, ttest_1samp one-sided) with numpy's generators, and
compares every rate with the benchmark's: agreement within 3 Monte Carlo standard errors of the
difference. This checks the benchmark's data generation and its use of the stats/ comparators,
not modelwatch's own decisions (those are what the benchmark measures).

Usage: build/calibration_bench | tee out.md; /usr/bin/python3 bench/calibration_crosscheck.py out.md
Exit status 1 when a rate disagrees, 0 otherwise.
"""
import math
import re
import sys

import numpy as np
from scipy import stats

SIZES = [10, 30, 100, 300, 1000, 10000]
REFERENCE = 1000
REPLICATES = 1000
SIGMA = 2.0
ALPHA = 0.05
T_LEVEL = 0.005


def ztest_p(s_a, n_a, s_b, n_b):
    p = (s_a + s_b) / (n_a + n_b)
    if p * (1 - p) == 0:
        return 1.0
    z = (s_a / n_a - s_b / n_b) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))
    return 2 * stats.norm.sf(abs(z))


def chi2_p(ref, cur):
    table = np.array([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] <= 1:
        return 1.0
    return stats.chi2_contingency(table, correction=False)[1]


def boosted10(points):
    p = np.full(10, 0.1 * (1 - 0.1 - points) / 0.9)
    p[0] = 0.1 + points
    return p


def simulate(rng, n):
    """Rates of each classical row at current size n, keyed as the benchmark labels them."""
    hits = {}

    def add(key, hit):
        hits[key] = hits.get(key, 0) + bool(hit)

    eq10 = np.full(10, 0.1)
    for _ in range(REPLICATES):
        ref = np.sort(rng.normal(size=REFERENCE))
        add(("ks", "far"), stats.ks_2samp(ref, rng.normal(size=n)).pvalue <= ALPHA)
        add(("shift02", "power"), stats.ks_2samp(ref, rng.normal(0.2, 1, size=n)).pvalue <= ALPHA)
        add(("shift05", "power"), stats.ks_2samp(ref, rng.normal(0.5, 1, size=n)).pvalue <= ALPHA)
        s_ref = rng.binomial(REFERENCE, 0.5)
        add(("z", "far"), ztest_p(s_ref, REFERENCE, rng.binomial(n, 0.5), n) <= ALPHA)
        add(("prop", "power"), ztest_p(s_ref, REFERENCE, rng.binomial(n, 0.57), n) <= ALPHA)
        c_ref = rng.multinomial(REFERENCE, eq10)
        add(("chi2", "far"), chi2_p(c_ref, rng.multinomial(n, eq10)) <= ALPHA)
        add(("cat10", "power"), chi2_p(c_ref, rng.multinomial(n, boosted10(0.1))) <= ALPHA)
        mae = SIGMA * math.sqrt(2 / math.pi)
        e = np.abs(rng.normal(0, SIGMA, size=n))
        for key, errors in (("far", e), ("power", 1.3 * e)):
            p = stats.ttest_1samp(errors, mae, alternative="greater").pvalue
            add(("t", key), p <= T_LEVEL)
    return {k: v / REPLICATES for k, v in hits.items()}


def bench_rows(text):
    """{(table title, row label): [rates per size]} from the benchmark's power tables."""
    rows, title = {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            title = line[5:] if line.startswith("#### ") else None
        elif title and line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip().strip("*").replace(" LOW", "") for c in line.strip("|").split("|")]
            if re.fullmatch(r"[0-9.]+", cells[1]) or cells[1] == "-":
                rows[(title, cells[0])] = [None if c == "-" else float(c) for c in cells[1:]]
    return rows


def find(rows, title_start, label):
    for (title, row_label), values in rows.items():
        if title.startswith(title_start) and row_label == label:
            return values
    raise SystemExit(f"calibration_crosscheck: no row '{label}' under '{title_start}' in the input")


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    rows = bench_rows(text)
    r = f"{REFERENCE}: "
    checks = [  # (label, bench row, scipy key)
        ("KS false alarms", find(rows, "normal, mean +0.2", r + "KS false alarms"), ("ks", "far")),
        ("KS, mean +0.2 sd", find(rows, "normal, mean +0.2", r + "KS"), ("shift02", "power")),
        ("KS, mean +0.5 sd", find(rows, "normal, mean +0.5", r + "KS"), ("shift05", "power")),
        ("z false alarms", find(rows, "2-level", r + "z-test false alarms"), ("z", "far")),
        ("z, 0.50 -> 0.57", find(rows, "2-level", r + "z-test"), ("prop", "power")),
        ("z, flag 0.50 -> 0.57", find(rows, "0/1 numeric", r + "z-test"), ("prop", "power")),
        ("chi-square false alarms", find(rows, "10-level", r + "chi-square false alarms"),
         ("chi2", "far")),
        ("chi-square, +10 points", find(rows, "10-level", r + "chi-square"), ("cat10", "power")),
        ("t-test false alarms", find(rows, "Regression MAE", "t-test false alarms"), ("t", "far")),
        ("t-test, MAE +30 %", find(rows, "Regression MAE", "t-test"), ("t", "power")),
    ]
    rng = np.random.default_rng(20)
    scipy_rates = [simulate(rng, n) for n in SIZES]
    print(f"| classical rate (reference {REFERENCE}) | " + " | ".join(map(str, SIZES)) + " |")
    print("| --- |" + " ---: |" * len(SIZES))
    bad = 0
    for label, bench, key in checks:
        cells = []
        for i, n in enumerate(SIZES):
            b, s = bench[i], scipy_rates[i][key]
            if b is None:
                cells.append(f"- / {s:.3f}")
                continue
            se = math.sqrt((b * (1 - b) + s * (1 - s)) / REPLICATES)
            ok = abs(b - s) <= 3 * max(se, 1 / REPLICATES)
            bad += not ok
            cells.append(f"{b:.3f} / {s:.3f}" + ("" if ok else " DIFFERS"))
        print(f"| {label} (bench / scipy) | " + " | ".join(cells) + " |")
    print(f"calibration_crosscheck: {bad} rates differ by more than 3 MC SE")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

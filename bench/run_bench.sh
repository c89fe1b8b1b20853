#!/usr/bin/env bash
# modelwatch's ingest benchmark, run side by side with the reference points in bench/baseline
# (same machine, same run, same event shape), reporting ratios. Usage: bench/run_bench.sh [BUILD_DIR]
# Environment: DURATION (wrk seconds, default 10), ROUNDS (alternating baseline/modelwatch
# single-event pairs, default 3), BASELINE (the reference points, default bench/baseline).
# BEFORE=DIR: a build tree of an earlier commit (its `modelwatch` and `*_bench`; make one with
# `git worktree add /tmp/before REV` and `cmake --build ... --target modelwatch benchmarks`). Every
# measurement then runs the earlier build beside this one (in each round: baseline, before, after)
# and the summary gives after/before ratios: how a change is judged on a shared, noisy machine.
# The proxy benchmark (bench/proxy_bench.sh: modelwatch's proxy beside nginx) runs at the end, with
# the same DURATION and ROUNDS; PROXY=0 skips it, PROXY_ONLY=1 runs only it.
# The calibration study (bench/calibration_bench.cc) runs before it: CALIBRATION=0 skips it,
# CALIBRATION_ONLY=1 runs only it, CALIBRATION_ARGS passes it options.
# The maintenance benchmark (bench/maintenance_bench.sh: archiving 1M rows beside sqlite3 -json |
# zstd, the append p99 during archive + vacuum vs idle) runs after the micro-benchmarks:
# ARCHIVE=0 skips it, ARCHIVE_ONLY=1 runs only it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BEFORE=${BEFORE:-}
if [[ -n "$BEFORE" && ! -x "$BEFORE/modelwatch" ]]; then
  echo "BEFORE: $BEFORE/modelwatch is not an executable (BEFORE names a build tree)" >&2; exit 2
fi
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS: must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
if [[ "${ARCHIVE_ONLY:-0}" == 1 ]]; then
  exec env DURATION="$DURATION" bench/maintenance_bench.sh "$BUILD"
fi
if [[ "${PROXY_ONLY:-0}" == 1 ]]; then
  exec env DURATION="$DURATION" ROUNDS="$ROUNDS" bench/proxy_bench.sh "$BUILD"
fi
# The calibration study (bench/calibration_bench.cc, Release trees): Monte Carlo false-alarm rates
# and detection power of the drift and performance decisions, printed as Markdown tables
# (docs/drift.md); about 200 CPU-seconds, so 2 minutes on 2 idle cores. It runs after the
# micro-benchmarks; CALIBRATION=0 skips it, CALIBRATION_ONLY=1 runs only it, CALIBRATION_ARGS
# passes options to it (e.g. "--replicates 200 --turnovers 100" for a quicker, coarser look).
calibration_run() {
  echo "== calibration: false-alarm rates and power of the drift and performance decisions"
  if [[ ! -x "$BUILD/calibration_bench" ]]; then
    echo "calibration: $BUILD/calibration_bench is not built (cmake --build $BUILD --target calibration_bench)"
    return 0
  fi
  # shellcheck disable=SC2086  # CALIBRATION_ARGS is a list of options
  "$BUILD/calibration_bench" ${CALIBRATION_ARGS:-}
}
if [[ "${CALIBRATION_ONLY:-0}" == 1 ]]; then
  calibration_run
  exit 0
fi
BASE=$(cd "${BASELINE:-bench/baseline}" && pwd)
source bench/lib.sh

echo "== SQLite's own append ceiling (bench/baseline/sqlite_append.cc, 1000 rows/commit)"
g++ -O2 -std=c++20 -o "$WORK/sqlite_append" "$BASE/sqlite_append.cc" -lsqlite3
CEILING_LINE=$("$WORK/sqlite_append" "$WORK/append.db" 1000000 1000)
echo "$CEILING_LINE"
CEILING=$(sed -n 's/.*rows_per_second=\([0-9]*\).*/\1/p' <<<"$CEILING_LINE")

# The single-event comparison runs in ROUNDS alternating pairs (baseline, then modelwatch, each on a
# fresh server and database), and the targets are judged on the median round: on a shared 2-core VM
# one 10-second run moves by a third from one minute to the next, and a pair run back to back sees
# the same conditions. Every round is printed.
# One single-event run of a build on a fresh server and database; prints wrk's WRK_RESULT line with
# the rows the server stored appended (rows=N), which must equal the requests answered 2xx.
single_event_run() { # build label
  local dir="$WORK/mw1_$2_$ROUND"
  mkdir -p "$dir"
  MW_BUILD=$1 start_modelwatch "$dir"
  local result stored
  result=$(run_wrk "http://127.0.0.1:$MW_PORT" "$BASE/post_event.lua" 32)
  stored=$(curl -s "http://127.0.0.1:$MW_PORT/health/db" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["table_stats"]["prediction_logs"])')
  stop_last
  echo "$result rows=$stored"
}

B_ALL="" M_ALL="" P_ALL=""
for ROUND in $(seq 1 "$ROUNDS"); do
  echo "== round $ROUND/$ROUNDS: baseline seed_api.py (FastAPI + prometheus_client + one INSERT per prediction), 2 workers"
  BPORT=$(free_port)
  /usr/bin/python3 "$BASE/seed_api.py" --port "$BPORT" --db "$WORK/baseline$ROUND.db" --workers 2 \
      >"$WORK/baseline$ROUND.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$BPORT/health"
  B=$(run_wrk "http://127.0.0.1:$BPORT" "$BASE/post_event.lua" 32)
  stop_last
  echo "$B"
  if [[ -n "$BEFORE" ]]; then
    echo "== round $ROUND/$ROUNDS: modelwatch BEFORE ($BEFORE), single event per request, 32 connections"
    P=$(single_event_run "$BEFORE" before)
    echo "$P"
    P_ALL+="$P|"
  fi
  echo "== round $ROUND/$ROUNDS: modelwatch, single event per request, 32 connections (202 = fsync'd)"
  M=$(single_event_run "$BUILD" after)
  echo "$M"
  B_ALL+="$B|" M_ALL+="$M|"
done

echo "== modelwatch: single event, 32 connections, storage.sqlite_synchronous=normal (for reference)"
mkdir -p "$WORK/mw3"
start_modelwatch "$WORK/mw3" --set storage.sqlite_synchronous=normal
MN=$(run_wrk "http://127.0.0.1:$MW_PORT" "$BASE/post_event.lua" 32)
stop_last
echo "$MN"

batched_run() { # build label
  mkdir -p "$WORK/mw2_$2"
  MW_BUILD=$1 start_modelwatch "$WORK/mw2_$2"
  EVENTS_PER_REQUEST=1000 run_wrk "http://127.0.0.1:$MW_PORT" bench/post_batch.lua 8
  stop_last
}
PB=""
if [[ -n "$BEFORE" ]]; then
  echo "== modelwatch BEFORE: 1000 events per request, 8 connections"
  PB=$(batched_run "$BEFORE" before)
  echo "$PB"
fi
echo "== modelwatch: 1000 events per request, 8 connections"
MB=$(batched_run "$BUILD" after)
echo "$MB"

/usr/bin/python3 - "$DURATION" "$CEILING" "$B_ALL" "$M_ALL" "$MB" "$MN" "$P_ALL" "$PB" <<'PY'
import statistics, sys
dur, ceiling = float(sys.argv[1]), float(sys.argv[2])
def parse(line):
    kv = dict(p.split("=") for p in line.split()[1:])
    d = {k: int(v) for k, v in kv.items()}
    d["rps"] = d["requests"] / (d["duration_us"] / 1e6)
    return d
bs = [parse(x) for x in sys.argv[3].split("|") if x]
ms = [parse(x) for x in sys.argv[4].split("|") if x]
mb, mn = parse(sys.argv[5]), parse(sys.argv[6])
ps = [parse(x) for x in sys.argv[7].split("|") if x]
pb = parse(sys.argv[8]) if sys.argv[8] else None
lost = [(i, m) for i, m in enumerate(ms + ps, 1) if "rows" in m and m["rows"] < m["requests"] - m["non2xx"] - m["errors"]]
for i, m in lost:
    print(f"LOST: a single-event run stored {m['rows']} rows for {m['requests'] - m['non2xx'] - m['errors']} requests answered 2xx")
rows = mb["rps"] * 1000
def measured(d):  # the p99 without wrk's coordinated-omission correction (bench/report.lua)
    return f"{d['measured_p99_us']/1000:10.2f}" if d.get("measured_p99_us", -1) >= 0 else f"{'-':>10}"
def row(name, d, rps_format="12.0f", ratio=""):
    print(f"{name:34}{d['rps']:{rps_format}}{d['p50_us']/1000:10.2f}{d['p99_us']/1000:10.2f}"
          f"{measured(d)}{d['errors']+d['non2xx']:8d}{ratio}")
print()
print(f"{'':34}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'p99 meas.':>10}{'errors':>8}{'ratio':>8}")
ratios, before_ratios = [], []
for i, (b, m) in enumerate(zip(bs, ms), 1):
    ratios.append(m["rps"] / b["rps"])
    row(f"round {i}: baseline seed_api.py", b)
    if ps:
        before_ratios.append(ps[i - 1]["rps"] / b["rps"])
        row(f"round {i}: BEFORE single", ps[i - 1], ratio=f"{before_ratios[-1]:7.1f}x")
    row(f"round {i}: modelwatch single", m, ratio=f"{ratios[-1]:7.1f}x")
b_rps = statistics.median(b["rps"] for b in bs)
row("modelwatch single, sync=normal", mn)
if pb:
    row("BEFORE batched (1000/req)", pb, "12.1f")
row("modelwatch batched (1000/req)", mb, "12.1f")
print()
if ps:
    after_before = [m["rps"] / p["rps"] for m, p in zip(ms, ps)]
    print(f"after/before, single event: median {statistics.median(after_before):.3f} "
          f"(rounds: {', '.join('%.3f' % r for r in after_before)}); p99 before "
          f"{statistics.median(p['p99_us'] for p in ps) / 1000:.2f} ms, after {statistics.median(m['p99_us'] for m in ms) / 1000:.2f} ms")
    print(f"after/before, batched: {mb['rps'] / pb['rps']:.3f}")
r1 = statistics.median(ratios)
p99 = statistics.median(m["p99_us"] for m in ms) / 1000
p50 = statistics.median(m["p50_us"] for m in ms) / 1000
r2 = rows / ceiling
ok1 = r1 >= 30 and p99 < 5
ok2 = r2 >= 0.5
round_ratios = ", ".join("%.1fx" % r for r in ratios)
round_p99s = ", ".join("%.2f" % (m["p99_us"] / 1000) for m in ms)
print(f"single-event throughput ratio vs baseline, median of {len(ratios)} rounds: {r1:.1f}x "
      f"(rounds: {round_ratios}); p50 {p50:.2f} ms, p99 {p99:.2f} ms (rounds: {round_p99s}) "
      f"(target >= 30x, p99 < 5 ms) {'MET' if ok1 else 'NOT MET'}")
meas = [m["measured_p99_us"] / 1000 for m in ms if m.get("measured_p99_us", -1) >= 0]
if meas:
    print(f"  measured p99 without wrk's correction: median {statistics.median(meas):.2f} ms "
          f"(rounds: {', '.join('%.2f' % v for v in meas)})")
print("  (p99 is wrk's own figure, which includes its coordinated-omission correction: every request slower than"
      " twice a connection's mean time per request also counts as the requests it held up; 'p99 meas.' is the p99"
      " of the requests as measured, with that correction removed. The target is judged on wrk's figure.)")
print(f"  (for reference, synchronous=normal, durable against a process crash but not power loss: "
      f"{mn['rps']/b_rps:.1f}x the median baseline, p99 {mn['p99_us']/1000:.2f} ms; the baseline itself runs synchronous=NORMAL)")
print(f"batched rows/s: {rows:.0f} = {r2*100:.0f}% of sqlite_append's {ceiling:.0f} rows/s (target >= 50%) {'MET' if ok2 else 'NOT MET'}")
PY

echo "== drift report: bench/baseline/drift_scipy.py vs modelwatch drift-report on the same rows"
# 20 numeric + 5 categorical features, 1M current vs 100k reference rows (the script's defaults).
/usr/bin/python3 "$BASE/drift_scipy.py" --write-data "$WORK/drift" --json > "$WORK/scipy.json"
SCIPY_SECONDS=$(sed -n 's/.*scipy_report_seconds=\([0-9.]*\).*/\1/p' "$WORK/scipy.json")
sed -i '/scipy_report_seconds=/d' "$WORK/scipy.json"
drift_report_run() { # build output-prefix
  /usr/bin/time -f "peak_rss_kb=%M" "$1/modelwatch" drift-report --reference "$WORK/drift/reference.csv" \
      --current "$WORK/drift/current.csv" --json > "$2.json" 2> "$2.err"
}
if [[ -n "$BEFORE" ]]; then
  drift_report_run "$BEFORE" "$WORK/before"
  BEFORE_SECONDS=$(sed -n 's/.*modelwatch_report_seconds=\([0-9.]*\).*/\1/p' "$WORK/before.err")
fi
drift_report_run "$BUILD" "$WORK/mw"
MW_SECONDS=$(sed -n 's/.*modelwatch_report_seconds=\([0-9.]*\).*/\1/p' "$WORK/mw.err")
PEAK_KB=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$WORK/mw.err")
if [[ -n "$BEFORE" ]]; then
  cmp -s "$WORK/before.json" "$WORK/mw.json" && same="identical" || same="DIFFERENT"
  echo "drift report BEFORE ${BEFORE_SECONDS} s, after ${MW_SECONDS} s (after/before time $(/usr/bin/python3 -c "print(f'{$MW_SECONDS/$BEFORE_SECONDS:.3f}')")); reports $same"
fi
/usr/bin/python3 - "$WORK/scipy.json" "$WORK/mw.json" "$SCIPY_SECONDS" "$MW_SECONDS" "$PEAK_KB" <<'PY'
import json, math, sys
scipy, mw = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s_sec, m_sec, peak = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
worst, mismatches = 0.0, []
for feature, values in scipy.items():
    for key, expected in values.items():
        got = mw.get(feature, {}).get(key)
        if got is None:
            mismatches.append(f"{feature}.{key} missing"); continue
        tol = 1e-6 if key.endswith("pvalue") else 1e-9
        rel = abs(got - expected) / max(abs(expected), 1e-300)
        if expected == 0.0 or got == 0.0:
            rel = abs(got - expected)
        worst = max(worst, rel)
        if rel > tol and abs(got - expected) > 1e-300:
            mismatches.append(f"{feature}.{key}: scipy {expected!r} modelwatch {got!r}")
print(f"values compared: {sum(len(v) for v in scipy.values())}, worst relative difference {worst:.2e}")
for m in mismatches: print("MISMATCH", m)
print(f"scipy report {s_sec:.2f} s, modelwatch report {m_sec:.3f} s: {s_sec/m_sec:.1f}x faster "
      f"(target >= 10x) {'MET' if s_sec/m_sec >= 10 and not mismatches else 'NOT MET'}")
print(f"modelwatch drift-report peak memory: {peak/1024:.0f} MiB (all 1.1M rows x 25 columns in memory)")
PY

if ls "$BUILD"/*_bench >/dev/null 2>&1; then
  echo "== micro-benchmarks"
  for b in "$BUILD"/*_bench; do
    [[ $(basename "$b") == calibration_bench ]] && continue  # a Monte Carlo study, run below
    if [[ -n "$BEFORE" && -x "$BEFORE/$(basename "$b")" ]]; then
      # Before and after in turn, twice, so that a slow minute does not fall on one side only.
      for side in before after before after; do
        [[ $side == before ]] && exe="$BEFORE/$(basename "$b")" || exe=$b
        echo "-- $side: $(basename "$b")"
        "$exe" --benchmark_min_time=0.2
      done
    else
      "$b" --benchmark_min_time=0.2
    fi
  done
fi

if [[ "${ARCHIVE:-1}" != 0 ]]; then
  DURATION="$DURATION" bench/maintenance_bench.sh "$BUILD"
fi

if [[ "${CALIBRATION:-1}" != 0 ]]; then
  calibration_run
fi

if [[ "${PROXY:-1}" != 0 ]]; then
  DURATION="$DURATION" ROUNDS="$ROUNDS" bench/proxy_bench.sh "$BUILD"
fi

#!/usr/bin/env bash
# modelwatch's ingest benchmark, run side by side with the reference points in ../shared/baseline
# (same machine, same run, same event shape), reporting ratios. Usage: bench/run_bench.sh [BUILD_DIR]
# Environment: DURATION (wrk seconds, default 10), ROUNDS (alternating baseline/modelwatch
# single-event pairs, default 3), SHARED (path of shared/, default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS: must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
SHARED=${SHARED:-$(cd .. && pwd)/shared}
BASE="$SHARED/baseline"
WORK=$(mktemp -d /tmp/modelwatch-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timeout waiting for $1" >&2; return 1; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# wrk with our done() reporter appended to the given script.
run_wrk() { # url script connections extra-env...
  local url=$1 script=$2 conns=$3
  cat "$script" bench/report.lua > "$WORK/script.lua"
  WRK_CONNECTIONS=$conns wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 10s -s "$WORK/script.lua" "$url" |
      grep WRK_RESULT
}

start_modelwatch() { # data dir [extra args...]
  local dir=$1; shift
  "$BUILD/modelwatch" serve --listen 127.0.0.1:0 --data-dir "$dir" --set logging.access_log=false \
      --set logging.stdout=false "$@" 2> "$dir.err" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    MW_PORT=$(sed -n 's/.*modelwatch listening on [0-9.]*:\([0-9]*\).*/\1/p' "$dir.err" | head -1)
    [ -n "$MW_PORT" ] && return 0; sleep 0.1
  done
  cat "$dir.err" >&2; return 1
}
stop_last() { local p=${PIDS[-1]}; kill "$p"; wait "$p" 2>/dev/null || true; unset 'PIDS[-1]'; }

echo "== SQLite's own append ceiling (../shared/baseline/sqlite_append.cc, 1000 rows/commit)"
g++ -O2 -std=c++20 -o "$WORK/sqlite_append" "$BASE/sqlite_append.cc" -lsqlite3
CEILING_LINE=$("$WORK/sqlite_append" "$WORK/append.db" 1000000 1000)
echo "$CEILING_LINE"
CEILING=$(sed -n 's/.*rows_per_second=\([0-9]*\).*/\1/p' <<<"$CEILING_LINE")

# The single-event comparison runs in ROUNDS alternating pairs (baseline, then modelwatch, each on a
# fresh server and database), and the targets are judged on the median round: on a shared 2-core VM
# one 10-second run moves by a third from one minute to the next, and a pair run back to back sees
# the same conditions. Every round is printed.
B_ALL="" M_ALL=""
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

  echo "== round $ROUND/$ROUNDS: modelwatch, single event per request, 32 connections (202 = fsync'd)"
  mkdir -p "$WORK/mw1_$ROUND"
  start_modelwatch "$WORK/mw1_$ROUND"
  M=$(run_wrk "http://127.0.0.1:$MW_PORT" "$BASE/post_event.lua" 32)
  STORED=$(curl -s "http://127.0.0.1:$MW_PORT/health/db" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["table_stats"]["prediction_logs"])')
  stop_last
  echo "$M"
  # post_event.lua draws ids from math.random, which wrk seeds identically in each of its threads,
  # so the same id (with the same content) arrives twice: modelwatch stores it once (idempotent
  # retry).
  echo "rows stored: $STORED (the rest were repeated ids, answered 202 as idempotent retries)"
  B_ALL+="$B|" M_ALL+="$M|"
done

echo "== modelwatch: single event, 32 connections, storage.sqlite_synchronous=normal (for reference)"
mkdir -p "$WORK/mw3"
start_modelwatch "$WORK/mw3" --set storage.sqlite_synchronous=normal
MN=$(run_wrk "http://127.0.0.1:$MW_PORT" "$BASE/post_event.lua" 32)
stop_last
echo "$MN"

echo "== modelwatch: 1000 events per request, 8 connections"
mkdir -p "$WORK/mw2"
start_modelwatch "$WORK/mw2"
MB=$(EVENTS_PER_REQUEST=1000 run_wrk "http://127.0.0.1:$MW_PORT" bench/post_batch.lua 8)
stop_last
echo "$MB"

/usr/bin/python3 - "$DURATION" "$CEILING" "$B_ALL" "$M_ALL" "$MB" "$MN" <<'PY'
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
rows = mb["rps"] * 1000
def measured(d):  # the p99 without wrk's coordinated-omission correction (bench/report.lua)
    return f"{d['measured_p99_us']/1000:10.2f}" if d.get("measured_p99_us", -1) >= 0 else f"{'-':>10}"
def row(name, d, rps_format="12.0f", ratio=""):
    print(f"{name:34}{d['rps']:{rps_format}}{d['p50_us']/1000:10.2f}{d['p99_us']/1000:10.2f}"
          f"{measured(d)}{d['errors']+d['non2xx']:8d}{ratio}")
print()
print(f"{'':34}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'p99 meas.':>10}{'errors':>8}{'ratio':>8}")
ratios = []
for i, (b, m) in enumerate(zip(bs, ms), 1):
    ratios.append(m["rps"] / b["rps"])
    row(f"round {i}: baseline seed_api.py", b)
    row(f"round {i}: modelwatch single", m, ratio=f"{ratios[-1]:7.1f}x")
b_rps = statistics.median(b["rps"] for b in bs)
row("modelwatch single, sync=normal", mn)
row("modelwatch batched (1000/req)", mb, "12.1f")
print()
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

echo "== drift report: ../shared/baseline/drift_scipy.py vs modelwatch drift-report on the same rows"
# 20 numeric + 5 categorical features, 1M current vs 100k reference rows (the script's defaults).
/usr/bin/python3 "$BASE/drift_scipy.py" --write-data "$WORK/drift" --json > "$WORK/scipy.json"
SCIPY_SECONDS=$(sed -n 's/.*scipy_report_seconds=\([0-9.]*\).*/\1/p' "$WORK/scipy.json")
sed -i '/scipy_report_seconds=/d' "$WORK/scipy.json"
/usr/bin/time -f "peak_rss_kb=%M" "$BUILD/modelwatch" drift-report --reference "$WORK/drift/reference.csv" \
    --current "$WORK/drift/current.csv" --json > "$WORK/mw.json" 2> "$WORK/mw.err"
MW_SECONDS=$(sed -n 's/.*modelwatch_report_seconds=\([0-9.]*\).*/\1/p' "$WORK/mw.err")
PEAK_KB=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$WORK/mw.err")
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
  for b in "$BUILD"/*_bench; do "$b" --benchmark_min_time=0.2; done
fi

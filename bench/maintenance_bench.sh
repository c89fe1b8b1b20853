#!/usr/bin/env bash
# The maintenance benchmark (docs/benchmarks.md, "Maintenance: archiving and the live path"), run
# by bench/run_bench.sh after the ingest benchmark (ARCHIVE=0 skips it, ARCHIVE_ONLY=1 runs only
# it). Usage: bench/maintenance_bench.sh [BUILD_DIR]. Environment: ARCHIVE_ROWS (default
# 1000000), DURATION (seconds of each latency phase, default 10), BASELINE (default bench/baseline).
#  (a) archive-predictions on ARCHIVE_ROWS rows (write + verify + delete), beside the reference
#      `sqlite3 DB -json "SELECT ... FROM prediction_logs" | zstd -3` on the same rows: rows/s each.
#  (b) single-event appends in-process (32 threads, each waiting for its durable answer) idle, then
#      while archive-predictions and a vacuum run: p99 busy / idle (target <= 2x).
#  (c) the same over HTTP, as the target is stated: `modelwatch serve` on ARCHIVE_ROWS/10 old rows,
#      wrk single-event ingest (the baseline's post_event.lua, 32 connections, as run_bench.sh) for
#      DURATION seconds idle, then while archive-predictions and then vacuum run, asked for through
#      POST /v1/maintenance/runs (at least DURATION seconds): p99 busy / idle (target <= 2x).
# The summary of all three is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${ARCHIVE_ROWS:-1000000}
DURATION=${DURATION:-10}
TOOL="$BUILD/maintenance_load"
if [[ ! -x "$TOOL" ]]; then
  echo "maintenance: $TOOL is not built (cmake --build $BUILD --target benchmarks)"; exit 0
fi
for program in sqlite3 zstd; do
  command -v "$program" >/dev/null || { echo "maintenance: $program is missing (make setup)"; exit 0; }
done
BASE=$(cd "${BASELINE:-bench/baseline}" && pwd)
# WORK (removed on exit, with every process in PIDS stopped), free_port, start_modelwatch, run_wrk.
source bench/lib.sh
SUMMARY=""

echo "== maintenance (a): archive-predictions on $ROWS rows vs sqlite3 -json | zstd -3"
"$TOOL" fill "$WORK/a.db" "$ROWS"
# The reference reads the same rows and columns (the store is closed: WAL checkpointed).
REF_START=$(date +%s.%N)
sqlite3 "$WORK/a.db" -json "SELECT id, model, version, segment, created_at, received_at, prediction,
    features, actual, actual_at, latency_ms FROM prediction_logs" | zstd -3 -q -o "$WORK/ref.json.zst"
REF_END=$(date +%s.%N)
REF_BYTES=$(stat -c %s "$WORK/ref.json.zst")
# Nice 0 here (the task's default is 10): alone, the run competes with nothing of ours, and on a
# shared machine a niced run measures the neighbours' load rather than the task.
ARCHIVE_OUT=$("$TOOL" archive "$WORK/a.db" "$WORK/archive-a" 0)
echo "$ARCHIVE_OUT"
ARCHIVE_LINE=$(grep '^ARCHIVE' <<<"$ARCHIVE_OUT")
SUMMARY+=$(/usr/bin/python3 - "$ROWS" "$REF_START" "$REF_END" "$REF_BYTES" "$ARCHIVE_LINE" <<'PY'
import sys
rows, t0, t1, ref_bytes, line = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kv = dict(p.split("=") for p in line.split()[1:])
ref_rps = rows / (t1 - t0)
mw_rps = float(kv["rows_per_second"])
print(f"reference sqlite3 -json | zstd -3: {ref_rps:,.0f} rows/s ({t1 - t0:.2f} s, {ref_bytes / 2**20:.1f} MiB; export only)")
print(f"archive-predictions:               {mw_rps:,.0f} rows/s ({float(kv['seconds']):.2f} s, "
      f"{int(kv['bytes']) / 2**20:.1f} MiB; write + fsync + verify + delete)")
print(f"archive rows/s ratio modelwatch / reference: {mw_rps / ref_rps:.2f}")
PY
)$'\n'

echo "== maintenance (b): single-event append p99 idle vs during archive-predictions + vacuum"
"$TOOL" fill "$WORK/b.db" $((ROWS / 10))
LAT=$("$TOOL" latency "$WORK/b.db" "$WORK/archive-b" "$DURATION")
echo "$LAT"
SUMMARY+=$(/usr/bin/python3 - "$LAT" <<'PY'
import sys
phases = {}
for line in sys.argv[1].splitlines():
    if line.startswith("LATENCY "):
        kv = dict(p.split("=") for p in line.split()[1:])
        phases[kv["phase"]] = kv
idle, busy = phases["idle"], phases["busy"]
ratio = int(busy["p99_us"]) / max(int(idle["p99_us"]), 1)
print(f"in-process append p99 idle {int(idle['p99_us'])/1000:.2f} ms ({int(idle['requests'])/float(idle['seconds']):,.0f} req/s), "
      f"during maintenance {int(busy['p99_us'])/1000:.2f} ms ({int(busy['requests'])/float(busy['seconds']):,.0f} req/s): "
      f"{ratio:.2f}x idle (target <= 2x) {'MET' if ratio <= 2 else 'NOT MET'}")
PY
)$'\n'

echo "== maintenance (c): POST /v1/predictions p99 (wrk, 32 connections) idle vs during archive-predictions + vacuum (POST /v1/maintenance/runs)"
if ! command -v wrk >/dev/null || ! command -v curl >/dev/null || [[ ! -x "$BUILD/modelwatch" ]]; then
  echo "maintenance (c): skipped (needs wrk, curl and $BUILD/modelwatch)"
else
  mkdir -p "$WORK/c"
  "$TOOL" fill "$WORK/c/modelwatch.db" $((ROWS / 10))
  # The scheduler is off so that only the runs asked for below run; everything else as
  # run_bench.sh's single-event runs (the evaluator at its default).
  start_modelwatch "$WORK/c" --set maintenance.enabled=false
  URL="http://127.0.0.1:$MW_PORT"
  HTTP_IDLE=$(run_wrk "$URL" "$BASE/post_event.lua" 32)
  echo "idle: $HTTP_IDLE"
  # The busy phase: the same run_wrk, in the background with a long -d, stopped with SIGINT (wrk
  # then ends its run and prints its figures as at the end of -d) once both runs have finished and
  # at least DURATION seconds have passed.
  DURATION=$((DURATION + 600)) run_wrk "$URL" "$BASE/post_event.lua" 32 > "$WORK/c-busy.out" &
  WRK_SUB=$!
  WRK_PID=""
  for _ in $(seq 1 100); do
    WRK_PID=$(pgrep -P "$WRK_SUB" -x wrk || true)
    [[ -n "$WRK_PID" ]] && break
    sleep 0.05
  done
  [[ -n "$WRK_PID" ]] || { echo "maintenance (c): wrk did not start" >&2; exit 1; }
  PIDS+=("$WRK_PID")
  # Asks for archive-predictions, then (once it has finished) vacuum, polls each run until it is no
  # longer "running", and returns when both are done and DURATION seconds have passed; prints each
  # finished run as one JSON line.
  if ! HTTP_RUNS=$(/usr/bin/python3 - "$URL" "$DURATION" <<'PY'
import json, sys, time, urllib.error, urllib.request
url, duration = sys.argv[1], float(sys.argv[2])
start = time.monotonic()
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}")
for task in ("archive-predictions", "vacuum"):
    status, answer = call("POST", "/v1/maintenance/runs", {"task": task})
    if status != 202 or len(answer.get("runs", [])) != 1:
        sys.exit(f"POST {task}: {status} {answer}")
    run_id = answer["runs"][0]["id"]
    while True:
        _, run = call("GET", f"/v1/maintenance/runs/{run_id}")
        if run["status"] != "running": break
        if time.monotonic() - start > 600: sys.exit(f"{task}: still running after 600 s")
        time.sleep(0.2)
    run["seen_done_at_seconds"] = round(time.monotonic() - start, 2)
    print(json.dumps(run), flush=True)
while time.monotonic() - start < duration:
    time.sleep(0.1)
PY
  ); then
    echo "maintenance (c): the maintenance runs did not complete (above); server log:" >&2
    tail -20 "$WORK/c.err" >&2
    exit 1
  fi
  kill -INT "$WRK_PID"
  wait "$WRK_SUB" || true
  unset 'PIDS[-1]'
  HTTP_BUSY=$(grep WRK_RESULT "$WORK/c-busy.out" || true)
  echo "busy: $HTTP_BUSY"
  echo "$HTTP_RUNS"
  stop_last
  [[ -n "$HTTP_BUSY" ]] || { echo "maintenance (c): wrk printed no result for the busy phase" >&2; exit 1; }
  SUMMARY+=$(/usr/bin/python3 - "$HTTP_IDLE" "$HTTP_BUSY" "$HTTP_RUNS" <<'PY'
import json, sys
def parse(line):
    d = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:])}
    d["rps"] = d["requests"] / (d["duration_us"] / 1e6)
    return d
idle, busy = parse(sys.argv[1]), parse(sys.argv[2])
runs = [json.loads(line) for line in sys.argv[3].splitlines() if line.strip()]
ratio = busy["p99_us"] / max(idle["p99_us"], 1)
errors = lambda d: d["errors"] + d["non2xx"]
print(f"HTTP ingest p99 idle {idle['p99_us']/1000:.2f} ms ({idle['rps']:,.0f} req/s, {errors(idle)} errors), "
      f"during maintenance {busy['p99_us']/1000:.2f} ms ({busy['rps']:,.0f} req/s, {busy['duration_us']/1e6:.1f} s, "
      f"{errors(busy)} errors): {ratio:.2f}x idle (target <= 2x) {'MET' if ratio <= 2 else 'NOT MET'}")
if idle.get("measured_p99_us", -1) >= 0 and busy.get("measured_p99_us", -1) >= 0:
    print(f"  measured p99 without wrk's correction: idle {idle['measured_p99_us']/1000:.2f} ms, "
          f"during maintenance {busy['measured_p99_us']/1000:.2f} ms "
          f"({busy['measured_p99_us'] / max(idle['measured_p99_us'], 1):.2f}x)")
for r in runs:
    print(f"  run {r['task']}: {r['status']}, {r['duration_seconds']} s, items {r['items']}, "
          f"bytes {r['bytes']}: {r['message']}")
PY
  )$'\n'
fi

echo "== maintenance: summary"
printf '%s' "$SUMMARY"

#!/usr/bin/env bash
# The maintenance benchmark (docs/benchmarks.md, "Maintenance: archiving and the live path"), run
# by bench/run_bench.sh after the ingest benchmark (ARCHIVE=0 skips it, ARCHIVE_ONLY=1 runs only
# it). Usage: bench/maintenance_bench.sh [BUILD_DIR]. Environment: ARCHIVE_ROWS (default
# 1000000), DURATION (seconds of each latency phase, default 10).
#  (a) archive-predictions on ARCHIVE_ROWS rows (write + verify + delete), beside the reference
#      `sqlite3 DB -json "SELECT ... FROM prediction_logs" | zstd -3` on the same rows: rows/s each.
#  (b) single-event appends (32 threads, each waiting for its durable answer) idle, then while
#      archive-predictions and a vacuum run: p99 busy / idle (target <= 2x).
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
WORK=$(mktemp -d /tmp/modelwatch-maint.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

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
/usr/bin/python3 - "$ROWS" "$REF_START" "$REF_END" "$REF_BYTES" "$ARCHIVE_LINE" <<'PY'
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

echo "== maintenance (b): single-event append p99 idle vs during archive-predictions + vacuum"
"$TOOL" fill "$WORK/b.db" $((ROWS / 10))
LAT=$("$TOOL" latency "$WORK/b.db" "$WORK/archive-b" "$DURATION")
echo "$LAT"
/usr/bin/python3 - "$LAT" <<'PY'
import sys
phases = {}
for line in sys.argv[1].splitlines():
    if line.startswith("LATENCY "):
        kv = dict(p.split("=") for p in line.split()[1:])
        phases[kv["phase"]] = kv
idle, busy = phases["idle"], phases["busy"]
ratio = int(busy["p99_us"]) / max(int(idle["p99_us"]), 1)
print(f"append p99 idle {int(idle['p99_us'])/1000:.2f} ms ({int(idle['requests'])/float(idle['seconds']):,.0f} req/s), "
      f"during maintenance {int(busy['p99_us'])/1000:.2f} ms ({int(busy['requests'])/float(busy['seconds']):,.0f} req/s): "
      f"{ratio:.2f}x idle (target <= 2x) {'MET' if ratio <= 2 else 'NOT MET'}")
PY

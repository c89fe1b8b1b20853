#!/usr/bin/env bash
# make demo: starts modelwatch on LISTEN with a fresh data directory, waits for /health, feeds it
# simulated traffic for a couple of minutes (a day of simulated time, drift injected halfway),
# and shows where to look. The server is stopped when the script exits (Ctrl-C included).
#
# Usage: scripts/demo.sh [BUILD_DIR] [HOST:PORT]
# Environment: DEMO_DATA_DIR (default: a temp dir, removed at exit), DEMO_DURATION (120s),
# DEMO_RATE (predictions/s, 100), DEMO_KEEP (1: keep serving after the traffic until Ctrl-C).
set -euo pipefail

BUILD=${1:-build}
LISTEN=${2:-127.0.0.1:8000}
BIN="$BUILD/modelwatch"
URL="http://$LISTEN"
DURATION=${DEMO_DURATION:-120s}
RATE=${DEMO_RATE:-100}
KEEP=${DEMO_KEEP:-1}

if [ ! -x "$BIN" ]; then
  echo "demo: $BIN not found; run 'make demo' (it builds first)" >&2
  exit 1
fi
if [ -n "${DEMO_DATA_DIR:-}" ]; then
  DATA_DIR=$DEMO_DATA_DIR
  mkdir -p "$DATA_DIR"
else
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/modelwatch-demo.XXXXXX")
fi
LOG="$DATA_DIR/demo-server.log"

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    echo "demo: server stopped" >&2
  fi
  if [ -z "${DEMO_DATA_DIR:-}" ]; then rm -rf "$DATA_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The evaluator runs every 15 s (instead of 60 s) so the drift gauges on /metrics move during
# the demo.
"$BIN" serve --listen "$LISTEN" --data-dir "$DATA_DIR" \
  --set quality.evaluation_interval_seconds=15 >"$LOG" 2>&1 &
SERVER_PID=$!

echo "demo: starting modelwatch on $URL (data in $DATA_DIR, log $LOG)" >&2
for _ in $(seq 1 150); do
  if curl -fsS "$URL/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "demo: the server exited; its log:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$URL/health" >/dev/null || { echo "demo: $URL/health does not answer" >&2; exit 1; }

cat >&2 <<INFO
demo: sending $DURATION of traffic at $RATE predictions/s: the last 24 h of two simulated models,
      demand_forecast (10 restaurants) and patient_risk. Halfway through the simulated day
      restaurant_3 and restaurant_7 get concept drift (actuals 1.5x) and a temperature shift,
      and patient_risk a concept flip (AUC falls) and a BMI shift.
      While it runs, look at:
        curl -s $URL/metrics | grep -E 'drift|mae|auc'
        curl -s '$URL/v1/models/demand_forecast/performance?window=2d&segment=restaurant_3'
        curl -s '$URL/v1/models/demand_forecast/drift?window=2d&segment=restaurant_3'
        curl -s '$URL/v1/models/patient_risk/history?metric=auc&bucket=1h&window=2d'
INFO

"$BIN" simulate --target "$URL" --duration "$DURATION" --rate "$RATE" --span 1d \
  --drift concept,feature_shift --drift-at 0.5 \
  --drift-models demand_forecast,patient_risk --drift-segments restaurant_3,restaurant_7

echo >&2
echo "demo: performance of a drifted and an untouched restaurant, and of patient_risk:" >&2
# A 2d window holds the whole simulated day, the period the references describe; a shorter one
# compares part of the daily temperature cycle with a whole day and flags that as drift too.
for args in "--model demand_forecast --segment restaurant_3" \
            "--model demand_forecast --segment restaurant_1" \
            "--model patient_risk"; do
  # shellcheck disable=SC2086
  "$BIN" performance --server "$URL" $args --window 2d || true
  # shellcheck disable=SC2086
  "$BIN" check-drift --server "$URL" $args --window 2d || true
done

if [ "$KEEP" = "1" ]; then
  echo "demo: still serving on $URL; press Ctrl-C to stop" >&2
  wait "$SERVER_PID"
fi

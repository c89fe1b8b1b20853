#!/usr/bin/env bash
# Regenerates docs/img/report.png, the README's picture of a weekly report: starts modelwatch on a
# free port with a fresh data directory, sends a week of simulated traffic with drift injected
# halfway into restaurant_2 (a shifted temperature and concept drift), lets the evaluator and a
# fast-firing drift rule raise an alert, fetches the report of the week ending tomorrow and
# renders it with Debian's headless Chromium. Everything it starts is stopped at exit.
#
# Usage: scripts/report_screenshot.sh [BUILD_DIR] [OUT_PNG]
set -euo pipefail

BUILD=${1:-build}
OUT=${2:-docs/img/report.png}
BIN="$BUILD/modelwatch"
[ -x "$BIN" ] || { echo "report_screenshot: $BIN not found (build the modelwatch target)" >&2; exit 1; }
command -v chromium >/dev/null || { echo "report_screenshot: chromium not installed (scripts/setup.sh)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelwatch-report.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The built-in drift rule waits an hour before firing; this one fires after two seconds so the
# picture shows the alerts section filled.
cat >"$WORK/rules.yml" <<'RULES'
groups:
  - name: report_picture
    interval: 1s
    rules:
      - alert: ModelDriftDetected
        expr: model_drift_detected == 1
        for: 2s
        labels:
          severity: warning
        annotations:
          summary: 'Model {{ $labels.model }} drifted on segment {{ $labels.segment }}'
          description: 'Performance or data drift on {{ $labels.model }} / {{ $labels.segment }}.'
RULES

"$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" \
  --set quality.evaluation_interval_seconds=1 --set alerting.rules_file="$WORK/rules.yml" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
URL=""
for _ in $(seq 1 150); do
  ADDR=$(grep -o 'modelwatch listening on [0-9.:]*' "$WORK/server.log" | head -1 | awk '{print $4}') || true
  if [ -n "$ADDR" ]; then URL="http://$ADDR"; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$URL" ] || { echo "report_screenshot: the server did not start" >&2; exit 1; }

"$BIN" simulate --target "$URL" --events 12000 --restaurants 4 --seed 7 --start -7d --span 7d \
  --actual-delay 0 --drift feature_shift,concept --drift-at 0.5 \
  --drift-models demand_forecast --drift-segments restaurant_2 --quiet >/dev/null
sleep 6  # evaluator passes, then the rule's 2 s

END=$(date -u -d tomorrow +%F)
curl -fsS -o "$WORK/report.html" "$URL/v1/models/demand_forecast/report?period=weekly&end=$END"
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$WORK/chromium" --window-size=1100,2000 --screenshot="$WORK/report.png" \
  "file://$WORK/report.html" >/dev/null 2>"$WORK/chromium.log" || { cat "$WORK/chromium.log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
cp "$WORK/report.png" "$OUT"
echo "report_screenshot: wrote $OUT ($(stat -c %s "$OUT") bytes)"

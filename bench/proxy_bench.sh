#!/usr/bin/env bash
# modelwatch's sidecar proxy beside nginx, in front of the same static upstream (nginx answering a
# fixed prediction: bench/nginx/upstream.conf.in), under the same wrk load (bench/post_predict.lua,
# 2 threads, 32 connections). Usage: bench/proxy_bench.sh [BUILD_DIR]; bench/run_bench.sh runs it
# at its end. Environment: DURATION (wrk seconds, default 10), ROUNDS (default 3), NGINX (default
# /usr/sbin/nginx).
# Every round runs five configurations in this order, each on fresh processes (a fresh upstream
# too): direct (wrk -> upstream), nginx proxy (bench/nginx/proxy.conf.in, 2 workers), and
# modelwatch with proxy.threads=2: no capture; every request captured (stored in SQLite with the
# default synchronous=full; after wrk the capture queue is awaited and every 2xx answer must be a
# stored prediction: lost = 2xx - sum(P_predictions_total), dropped = the capture's drops); cache
# hits (the same body every time, cache ttl 300s). Targets are judged on the median of the rounds'
# modelwatch/nginx ratios (rounds run back to back see the same machine).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
NGINX=${NGINX:-/usr/sbin/nginx}
CONNECTIONS=32
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS: must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
[[ -x "$NGINX" ]] || { echo "NGINX: $NGINX is not an executable (apt-get install nginx)" >&2; exit 2; }
[[ -x "$BUILD/modelwatch" ]] || { echo "$BUILD/modelwatch: not built" >&2; exit 2; }
source bench/lib.sh

# The work directory is 0700: nginx started as root would switch its workers to nobody, who could
# not enter it, so as root the workers stay root.
NGINX_USER=""
[[ $EUID -eq 0 ]] && NGINX_USER="user root root;"

start_nginx() { # name template port [upstream port]; ready when /health answers 200
  local dir="$WORK/nginx-$1"
  rm -rf "$dir"; mkdir -p "$dir"
  sed -e "s|@PREFIX@|$dir|g" -e "s|@PORT@|$3|g" -e "s|@UPSTREAM_PORT@|${4:-}|g" \
      -e "s|@USER@|$NGINX_USER|g" "bench/nginx/$2.conf.in" > "$dir/nginx.conf"
  "$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e stderr -g 'daemon off;' 2> "$dir/stderr.log" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$3/health" || { cat "$dir/stderr.log" >&2; return 1; }
}

PREFIX=ml
ROUTE='path: "/predict/{restaurant_id}", methods: [POST]'
CAPTURE='capture: {model: demand_forecast, segment: {path: restaurant_id}, features: {request: /features}, prediction: {response: /prediction}}'
start_mw_proxy() { # config upstream-port; sets MW_PORT and MW_PROXY_PORT
  local routes dir="$WORK/mw-$1-$ROUND"
  case $1 in
    mw) routes="[{$ROUTE}]" ;;
    mw_capture) routes="[{$ROUTE, $CAPTURE}]" ;;
    mw_cache) routes="[{$ROUTE, cache: {ttl: 300s}}]" ;;
  esac
  mkdir -p "$dir"
  start_modelwatch "$dir" --set metrics.prefix=$PREFIX --set "proxy.upstream=http://127.0.0.1:$2" \
      --set proxy.listen=127.0.0.1:0 --set proxy.threads=2 --set proxy.openapi_path= \
      --set proxy.access_log=false --set "proxy.routes=$routes" || return 1
  if [[ -z "$MW_PROXY_PORT" ]]; then
    stop_last
    echo "error: no 'modelwatch proxy listening on' line from serve:" >&2; cat "$dir.err" >&2; return 1
  fi
}

# The sum of the values of the series of metric `name` (exactly that name) whose line contains
# `filter` (e.g. a label), in Prometheus text `metrics`.
metric_sum() { # metrics name [filter]
  awk -v n="$2" -v f="${3:-}" 'index($0, n) == 1 && substr($0, length(n) + 1, 1) ~ /[{ ]/ &&
      index($0, f) { s += $NF } END { printf "%.0f\n", s }' <<<"$1"
}

# After wrk, with capture on: waits (up to 60 s) until the capture queue is empty and the stored
# predictions reach the 2xx answers or stop growing for 1 s; prints " captured=N lost=N dropped=N".
capture_figures() { # answered-2xx
  local m stored=0 prev=-1 still=0
  for _ in $(seq 1 600); do
    m=$(curl -s "http://127.0.0.1:$MW_PORT/metrics")
    stored=$(metric_sum "$m" ${PREFIX}_predictions_total)
    if [[ $(metric_sum "$m" modelwatch_proxy_capture_queue_events) == 0 ]]; then
      (( stored >= $1 )) && break
      if (( stored == prev )); then still=$((still + 1)); else still=0; fi
      (( still >= 10 )) && break
    fi
    prev=$stored; sleep 0.1
  done
  local lost=$(( $1 - stored ))
  (( lost < 0 )) && lost=0  # answered upstream after wrk stopped counting: captured, not lost
  echo " captured=$stored lost=$lost dropped=$(metric_sum "$m" modelwatch_proxy_capture_dropped_total)"
}

# After wrk, with the cache on: prints " hits=N misses=N" (the response cache's counters).
cache_figures() {
  local m
  m=$(curl -s "http://127.0.0.1:$MW_PORT/metrics")
  echo " hits=$(metric_sum "$m" ${PREFIX}_cache_hits_total 'cache_type="response"')" \
       "misses=$(metric_sum "$m" ${PREFIX}_cache_misses_total 'cache_type="response"')"
}

answered_2xx() { echo $(( $(field requests "$1") - $(field non2xx "$1") - $(field errors "$1") )); }

# One configuration on fresh processes; sets RESULT to wrk's WRK_RESULT line plus its figures.
one_run() { # config
  local up front
  up=$(free_port)
  start_nginx "upstream" upstream "$up"
  case $1 in
    direct)
      RESULT=$(run_wrk "http://127.0.0.1:$up" bench/post_predict.lua $CONNECTIONS) ;;
    nginx)
      front=$(free_port)
      start_nginx proxy proxy "$front" "$up"
      RESULT=$(run_wrk "http://127.0.0.1:$front" bench/post_predict.lua $CONNECTIONS)
      stop_last ;;
    mw*)
      start_mw_proxy "$1" "$up"
      RESULT=$(run_wrk "http://127.0.0.1:$MW_PROXY_PORT" bench/post_predict.lua $CONNECTIONS)
      if [[ $1 == mw_capture ]]; then RESULT+=$(capture_figures "$(answered_2xx "$RESULT")"); fi
      if [[ $1 == mw_cache ]]; then RESULT+=$(cache_figures); fi
      stop_last ;;
  esac
  stop_last
}

# serve refuses proxy.upstream in a build without the proxy wired in: the nginx rows still run.
ROUND=probe
MW_SKIPPED=""
up=$(free_port)
start_nginx "upstream" upstream "$up"
if start_mw_proxy mw "$up" 2> "$WORK/probe.err"; then
  stop_last
else
  MW_SKIPPED=$(grep -m1 -i 'error' "$WORK/probe.err" || tail -1 "$WORK/probe.err" || true)
  MW_SKIPPED=${MW_SKIPPED:-the proxy did not start}
  echo "modelwatch proxy rows skipped: $MW_SKIPPED"
fi
stop_last

CONFIGS=(direct nginx)
[[ -z "$MW_SKIPPED" ]] && CONFIGS+=(mw mw_capture mw_cache)
ALL=""
for ROUND in $(seq 1 "$ROUNDS"); do
  for c in "${CONFIGS[@]}"; do
    echo "== proxy round $ROUND/$ROUNDS: $c, POST /predict/17, $CONNECTIONS connections"
    one_run "$c"
    echo "$RESULT"
    ALL+="$ROUND $c $RESULT|"
  done
done

/usr/bin/python3 - "$ALL" "$CONNECTIONS" "$MW_SKIPPED" <<'PY'
import statistics, sys
connections, skipped = int(sys.argv[2]), sys.argv[3]
labels = {"direct": "direct (upstream alone)", "nginx": "nginx proxy", "mw": "modelwatch, no capture",
          "mw_capture": "modelwatch, every request captured", "mw_cache": "modelwatch, cache hits"}
runs = {}  # config -> [figures by round]
for entry in filter(None, sys.argv[1].split("|")):
    round_, config, line = entry.split(" ", 2)
    d = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:])}
    d["rps"] = d["requests"] / (d["duration_us"] / 1e6)
    d["ok"] = d["requests"] - d["non2xx"] - d["errors"]
    runs.setdefault(config, []).append(d)
def measured(v):
    return f"{v/1000:10.2f}" if v >= 0 else f"{'-':>10}"
def row(name, rps, p50, p99, meas, errors):
    print(f"{name:44}{rps:12.0f}{p50/1000:10.2f}{p99/1000:10.2f}{measured(meas)}{errors:8d}")
print()
print(f"{'':44}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'p99 meas.':>10}{'errors':>8}")
for i in range(len(runs["direct"])):
    for config, ds in runs.items():
        d = ds[i]
        row(f"round {i + 1}: {labels[config]}", d["rps"], d["p50_us"], d["p99_us"],
            d["measured_p99_us"], d["errors"] + d["non2xx"])
for config, ds in runs.items():
    med = lambda k: statistics.median(d[k] for d in ds)
    row(f"median: {labels[config]}", med("rps"), med("p50_us"), med("p99_us"),
        med("measured_p99_us"), sum(d["errors"] + d["non2xx"] for d in ds))
print()
def ratios(config):  # per round against the nginx proxy of the same round
    return [d["rps"] / n["rps"] for d, n in zip(runs[config], runs["nginx"])]
def fmt(rs):
    return f"{statistics.median(rs):.2f}x (rounds: {', '.join('%.2f' % r for r in rs)})"
print(f"direct/nginx proxy, for reference: {fmt(ratios('direct'))}")
if skipped:
    print(f"modelwatch rows not run: {skipped}")
    sys.exit(0)
verdict = lambda ok: "MET" if ok else "NOT MET"
r = statistics.median(ratios("mw"))
p99 = statistics.median((d["p99_us"] - n["p99_us"]) / 1000 for d, n in zip(runs["mw"], runs["nginx"]))
print(f"modelwatch/nginx, no capture: {fmt(ratios('mw'))} (target >= 0.90), p99 {p99:+.2f} ms "
      f"(target <= +0.5 ms) {verdict(r >= 0.90 and p99 <= 0.5)}")
cap = runs["mw_capture"]
lost, dropped = sum(d["lost"] for d in cap), sum(d["dropped"] for d in cap)
r = statistics.median(ratios("mw_capture"))
print(f"modelwatch/nginx, with capture: {fmt(ratios('mw_capture'))} (target >= 0.70), lost {lost}, "
      f"dropped {dropped} (of {sum(d['ok'] for d in cap)} answered 2xx) "
      f"{verdict(r >= 0.70 and lost == 0 and dropped == 0)}")
cache = runs["mw_cache"]
# Requests of the first moment all miss at once (no request coalescing): up to one per connection.
hits_ok = all(d["hits"] >= d["ok"] - connections for d in cache)
r = statistics.median(ratios("mw_cache"))
print(f"modelwatch/nginx, cache hits: {fmt(ratios('mw_cache'))} (target >= 1.00), hits "
      f"{', '.join(str(d['hits']) for d in cache)}, misses {', '.join(str(d['misses']) for d in cache)} "
      f"(hits >= 2xx - {connections}: {'yes' if hits_ok else 'NO'}) {verdict(r >= 1.0 and hits_ok)}")
print("  (p99 is wrk's figure, with its coordinated-omission correction, as in the table above;"
      " 'p99 meas.' is without it.)")
PY

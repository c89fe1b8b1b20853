# Helpers shared by bench/run_bench.sh and bench/proxy_bench.sh (sourced, from the repository's
# root). The sourcing script sets BUILD (the build tree) and DURATION (wrk seconds) before calling
# run_wrk or start_modelwatch. Sourcing creates WORK (a fresh 0700 temp directory) and a trap that
# stops every process in PIDS and removes WORK on exit.
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

# Starts `modelwatch serve` in the background and sets MW_PORT from its readiness line, and
# MW_PROXY_PORT from "modelwatch proxy listening on HOST:PORT (...)" (empty without proxy.upstream).
# Returns 1 with the server's stderr on our stderr when it exits or is not ready within 30 s.
start_modelwatch() { # data dir [extra args...]; MW_BUILD (default BUILD) picks the build tree
  local dir=$1; shift
  "${MW_BUILD:-$BUILD}/modelwatch" serve --listen 127.0.0.1:0 --data-dir "$dir" --set logging.access_log=false \
      --set logging.stdout=false "$@" 2> "$dir.err" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    MW_PORT=$(sed -n 's/.*modelwatch listening on [0-9.]*:\([0-9]*\).*/\1/p' "$dir.err" | head -1)
    MW_PROXY_PORT=$(sed -n 's/.*modelwatch proxy listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$dir.err" | head -1)
    [ -n "$MW_PORT" ] && return 0
    if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then
      wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'; break
    fi
    sleep 0.1
  done
  cat "$dir.err" >&2; return 1
}
stop_last() { local p=${PIDS[-1]}; kill "$p"; wait "$p" 2>/dev/null || true; unset 'PIDS[-1]'; }

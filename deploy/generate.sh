#!/usr/bin/env bash
# Writes the files docker-compose.yml mounts, from the configuration modelwatch runs with:
#   deploy/prometheus/  prometheus.yml, rules/modelwatch.rules.yml, rules/tests/*.test.yml
#   deploy/grafana/     provisioning/ and dashboards/
# Extra arguments go to both exports, e.g. ./generate.sh --config /etc/modelwatch.yaml
# (MODELWATCH_* variables apply too). MODELWATCH_BIN overrides the binary (default:
# build/modelwatch of this checkout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${MODELWATCH_BIN:-$here/../build/modelwatch}"
"$bin" export prometheus --out "$here/prometheus" "$@"
"$bin" export grafana --out "$here/grafana" "$@"
mkdir -p "$here/secrets"
echo "generate.sh: wrote $here/prometheus and $here/grafana" >&2

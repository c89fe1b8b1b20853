#!/usr/bin/env bash
# Writes the files docker-compose.yml mounts, from the configuration modelwatch runs with:
#   deploy/prometheus/  prometheus.yml, rules/modelwatch.rules.yml, rules/tests/*.test.yml
#   deploy/grafana/     provisioning/ and dashboards/
# Arguments go to both exports and should be configuration ones, e.g.
#   ./generate.sh --config /etc/modelwatch.yaml --set metrics.prefix=iit
# (MODELWATCH_* variables apply too). MODELWATCH_RULES names the alert rules file (default: the
# shipped config/rules/default.yml); MODELWATCH_BIN the binary (default: build/modelwatch of this
# checkout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${MODELWATCH_BIN:-$here/../build/modelwatch}"
rules="${MODELWATCH_RULES:-$here/../config/rules/default.yml}"
"$bin" export prometheus --out "$here/prometheus" --rules "$rules" "$@"
"$bin" export grafana --out "$here/grafana" "$@"
mkdir -p "$here/secrets"
echo "generate.sh: wrote $here/prometheus and $here/grafana" >&2

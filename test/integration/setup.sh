#!/usr/bin/env bash
# Installs the real peers the integration suites compare promctl with. Idempotent; CI runs it on a
# fresh machine where none of them are present. Servers are started by the suites themselves, bound
# to 127.0.0.1 on free ports, and stopped when each suite ends.
set -euo pipefail
pkgs=(prometheus prometheus-node-exporter prometheus-alertmanager python3-flask python3-prometheus-client tmux chromium systemd)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's packages start services where systemd runs; the suites start their own copies.
for s in prometheus prometheus-node-exporter prometheus-alertmanager; do
  (command -v systemctl >/dev/null && systemctl stop "$s" 2>/dev/null) || true
done
echo "peers: $(promtool --version 2>&1 | head -1); $(prometheus-node-exporter --version 2>&1 | head -1)"

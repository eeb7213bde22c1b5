// The in-editor suite through the usual entry point, @vscode/test-electron's runTests(), with code-server standing in
// for the desktop VS Code that cannot be downloaded here (no download happens: vscodeExecutablePath is given).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT } from './codeServer';

async function main(): Promise<number> {
  try {
    await runTests({
      vscodeExecutablePath: path.join(ROOT, 'test', 'harness', 'code-server-as-vscode.sh'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'host', 'index.js'),
      launchArgs: [path.join(ROOT, 'test', 'fixtures', 'workspace')],
    });
    return 0;
  } catch {
    return 1; // the suite's own closing line has been printed
  }
}

void main().then((code) => process.exit(code));

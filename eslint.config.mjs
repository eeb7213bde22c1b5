import tseslint from 'typescript-eslint';

const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension/ may import vscode: the core also runs as the CLI.' };
const faces = [
  { group: ['**/cli/*', '**/cli'], message: 'The core never imports the CLI (shared text lives in src/report).' },
  { group: ['**/extension/*', '**/extension'], message: 'The core never imports the extension.' },
];
/** Folder fences (see README, Development): arrows point down only. */
const fence = (patterns) => ({ 'no-restricted-imports': ['error', { paths: [vscodeOnlyInExtension], patterns }] });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'examples/**', '.test-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-imports': ['error', { paths: [vscodeOnlyInExtension] }],
    },
  },
  { files: ['src/{plan,util,report,grid}/**/*.ts'], rules: fence(faces) },
  { files: ['src/{orchestrator,controllers,runModel}/**/*.ts'], rules: fence([...faces, { group: ['**/session/*', '**/record/*'], message: 'The engine, the controllers and the run vocabulary never import the session or the record (the session wires them).' }]) },
  { files: ['src/session/**/*.ts'], rules: fence(faces) },
  { files: ['src/config/**/*.ts'], rules: fence([...faces, { group: ['**/plan/*', '**/plan'], message: 'config never imports plan (plan is built from config).' }]) },
  {
    files: ['src/record/**/*.ts'],
    rules: fence([...faces, { group: ['**/orchestrator/*', '**/session/*'], message: 'record reads the run vocabulary (src/runModel), never the engine or the session.' }]),
  },
  { files: ['src/cli/**/*.ts'], rules: fence([{ group: ['**/extension/*', '**/extension'], message: 'The CLI never imports the extension.' }]) },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/*', '**/cli'], message: 'The extension never imports the CLI (shared text lives in src/report).' }] }] },
  },
  { files: ['test/host/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
);

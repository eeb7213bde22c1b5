import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'examples/**', '.test-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // The core also runs as the CLI: only src/extension/ may import the editor API.
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension/ may import vscode.' }] }],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'test/host/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);

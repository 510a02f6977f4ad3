import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint/layers.js';

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'node_modules/**', 'src/gen/**', 'test-results/**', 'playwright-report/**', 'coverage/**', '.native/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { valise: layers },
    rules: {
      // DESIGN.md §3: the layer matrix. Do not relax.
      'valise/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Command-line front ends, scripts and benchmarks talk to a terminal.
    files: ['src/cli/**', 'scripts/**', 'bench/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Raw IPC appears only in the preload (CONVENTIONS.md, "One contract").
    files: ['src/**'],
    ignores: ['src/main/electron/preload.ts', 'src/main/electron/preload.cts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "Identifier[name='ipcRenderer']", message: 'ipcRenderer is used only in the preload.' }],
    },
  },
);

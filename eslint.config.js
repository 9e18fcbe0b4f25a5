// ESLint: typescript-eslint's recommended rules plus the layering rule from
// CONVENTIONS.md — imports point one way: renderer → shared ← main → engine.
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'crypto', 'url', 'worker_threads'];

export default tseslint.config(
  { ignores: ['scratch/', 'node_modules/', 'dist/', 'out/', '.cache/', '.kafka/', 'test-output/', 'bench/results/', 'release/', 'bench/peers/**/target/'] },
  ...tseslint.configs.recommended,
  // Vue single-file components (the renderer): parsed with the TypeScript parser inside <script>.
  ...pluginVue.configs['flat/recommended'].map((c) => ({ ...c, files: ['src/renderer/**/*.vue'] })),
  {
    files: ['src/renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: {
      // Formatting rules of the recommended set: the code formatter's business, not the linter's.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/html-indent': 'off',
      'vue/attributes-order': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'The engine runs under plain Node: never import electron.' },
          { group: ['vue', 'pinia', 'echarts/core', '@vue/*'], message: 'The engine never imports UI libraries.' },
          { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'The engine never imports main, preload or renderer.' },
        ],
      }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', ...nodeBuiltins], message: 'src/shared is types and schemas only: no Node or Electron.' },
          { group: ['**/engine/**', '**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing of ours.' },
        ],
      }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', ...nodeBuiltins], message: 'The renderer runs sandboxed: no Node or Electron imports.' },
          { group: ['**/engine/**', '**/main/**', '**/preload/**'], message: 'The renderer talks to the engine only through src/shared.' },
        ],
      }],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/engine/**', '**/renderer/**'], message: 'The preload only bridges the src/shared contract.' }],
      }],
    },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A path into serve/ other than its faces ('…/serve', '…/serve/index', '…/serve/testing', '…/serve/testing/index'). */
const SERVE_DEEP_IMPORT = /(^|\/)serve\/(?!(testing\/)?index(\.[jt]s)?$|testing$)/;
const SERVE_FACES = "import serve through its public face: '…/serve' (serve/index.ts) or, for test helpers and startStack, '…/serve/testing'.";

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'reports', 'dist', 'ui/dist', 'coverage', '**/*.tmp.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Outside serve/, serve is used only through its two faces: serve/index.ts and serve/testing/index.ts.
    files: ['eval/**', 'datasets/**', 'test/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: SERVE_DEEP_IMPORT.source, message: SERVE_FACES }] }],
      // the rule above does not look at import(): the same check for dynamic imports
      'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=${SERVE_DEEP_IMPORT}]`, message: SERVE_FACES }],
    },
  },
);

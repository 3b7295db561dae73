// Lint catches faults and broken boundaries, not taste: layout is Prettier's job (prettier.config.js).
// typescript-eslint's recommended set, not its strict or stylistic ones: strict's no-non-null-assertion
// alone would flag 397 deliberate `!` (an index or lookup known to hit, with noUncheckedIndexedAccess on),
// and stylistic rules are taste. Options below that loosen a rule say why.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import workspaceBoundaries from './eslint/workspace-boundaries.rule.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      'data/**',
      '**/.tollgate-test/**',
      '**/dist/**',
      '**/test-artifacts/**',
      'apps/web/next-env.d.ts',
      'apps/web/lib/api-schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { tollgate: { rules: { 'workspace-boundaries': workspaceBoundaries } } },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      // TypeScript checks names in .ts files (typescript-eslint turns no-undef off there); plain .js runs on Node.
      globals: globals.node,
    },
    rules: {
      'tollgate/workspace-boundaries': 'error',
      // `_` marks a deliberately unused binding (destructuring a field away, a positional callback argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A binding declared before the closures that read it and assigned once they exist is deliberate, not a missed const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // A function longer than a screen hides its steps: split where the split names a real step.
    // Tests and benches read top to bottom as one scenario each, so they are left out.
    files: ['apps/**/*.{ts,tsx}', 'packages/**/*.{ts,tsx}'],
    ignores: ['**/test/**', '**/*.test.{ts,tsx}'],
    rules: { 'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }] },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/utils', '**/helpers'], message: 'No grab-bag modules.' }] },
      ],
    },
  },
  {
    // The shells use the public SDK only (ARCHITECTURE.md, 7a): no reaching past the facade.
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'lake',
          property: 'services',
          message: 'Shells call the public Lake SDK; add a method to Lake instead.',
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'examples/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

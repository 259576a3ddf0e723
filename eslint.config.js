import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
      // One program over every TypeScript file (the type-check's own config), so rules see real types.
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `async` without `await` is how this code implements promise-returning
      // interfaces and Fastify hooks: a throw becomes a rejection, as callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // The service worker is its own program (WebWorker globals).
  { files: ['src/web/sw/**/*.ts'], languageOptions: { parserOptions: { project: './tsconfig.sw.json', tsconfigRootDir: import.meta.dirname } } },
  // Plain JavaScript (build scripts, benchmarks) is outside the TypeScript program.
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const onlyProtocol = (pkg) => ({
  files: [`packages/${pkg}/src/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['@paddock/daemon', '@paddock/daemon/*', '@paddock/cli', '@paddock/sdk'],
            message: `${pkg} may import @paddock/protocol only (trust boundary).`,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '**/*.js', '**/*.mjs', 'vitest.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-console': 'error',
      'max-lines': ['warn', 400],
      'max-lines-per-function': ['warn', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  onlyProtocol('agent'),
  onlyProtocol('protocol'),
  {
    files: ['packages/cli/src/**/*.ts'],
    rules: {
      'no-console': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@paddock/daemon', '@paddock/daemon/*', '@paddock/agent'],
              message: 'The CLI uses the public SDK only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@paddock/daemon',
                '@paddock/daemon/*',
                '@paddock/agent',
                'node:child_process',
              ],
              message: 'The SDK talks HTTP only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/daemon/src/**/*.ts'],
    ignores: ['packages/daemon/src/host/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:child_process',
              message: 'Host side effects live in packages/daemon/src/host/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      'no-restricted-imports': 'off',
      'no-console': 'off',
      // Tests poke at replies as loose JSON; the code under test is strict.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);

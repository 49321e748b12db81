// Lint guards that keep the architecture's shape (docs/ARCHITECTURE.md §12):
// no Node built-ins or I/O in workflows/, @stoqey/ib only in the broker adapter and the
// simulator, Prisma only in db/ (and the CLI config), no Temporal in domain/, no floating promises.
import tseslint from 'typescript-eslint';

// Prisma only in src/db/: elsewhere no Prisma *value* is imported from db/client (types are
// fine: functions take a PrismaClient to pass on), and no member of a Prisma client is used
// (`prisma.x`, `ctx.prisma.x`). Linting "no Prisma call outside src/db" exactly needs types;
// this matches the names every caller uses, which is what a new call would look like.
const prismaValues = {
  regex: '^(\\./|(\\.\\./)+)(src/)?db/client$',
  importNames: ['Prisma', 'PrismaClient'],
  allowTypeImports: true,
  message: 'Prisma only in src/db/: add a repository function there',
};
const noPrismaMembers = [
  'error',
  { selector: "MemberExpression[object.name='prisma']", message: 'Prisma only in src/db/: add a repository function there' },
  { selector: "MemberExpression[object.property.name='prisma']", message: 'Prisma only in src/db/: add a repository function there' },
];

const nodeBuiltins = ['fs', 'net', 'http', 'https', 'child_process', 'os', 'path', 'crypto', 'dns', 'tls', 'worker_threads'];

export default tseslint.config(
  { ignores: ['dist/**', 'ui/dist/**', 'node_modules/**', 'data/**', 'reports/**', 'coverage/**', 'eslint.config.mjs', 'scripts/*.cjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  // The web UI (ui/, its own tsconfig) is linted with the same typed preset.
  { files: ['**/*.tsx', '**/*.mts'], languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Activities, ports and handlers implement Promise-returning interfaces (Temporal
      // activities, Broker, MarketData, express handlers): an async function without an await
      // is how they satisfy them and keeps a throw a rejection rather than a synchronous throw.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@stoqey/ib', message: 'only activities/broker and src/ib-sim talk IB' }], patterns: [{ group: ['@prisma/client'], message: 'use src/db' }] },
      ],
    },
  },
  {
    files: ['activities/broker/**/*.ts', 'src/ib-sim/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // Tests read HTTP response bodies, Prometheus texts and recorded histories as parsed JSON and
  // assert on their shape with chai (which checks at run time what a static type would claim):
  // the no-unsafe-* rules, which police values typed `any`, are off for tests only.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: '@stoqey/ib', message: 'only activities/broker talks IB' }] }] },
  },
  // Layering (docs/ARCHITECTURE.md): workflows/ and activities/ meet only in src/contracts/;
  // workflows may import activity *types*; the API never reaches into activities/.
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\./|(\\.\\./)+)workflows(/|$)', message: 'activities/ share contracts with workflows through src/contracts/' }, prismaValues] },
      ],
      'no-restricted-syntax': noPrismaMembers,
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\./|(\\.\\./)+)activities(/|$)', allowTypeImports: true, message: 'workflows/ may import only activity types; values come through src/contracts/' }] },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+(activities|workflows)(/|$)', message: 'the API starts workflows by name and reads through src/contracts/ and src/db/' }, prismaValues] },
      ],
      'no-restricted-syntax': noPrismaMembers,
    },
  },
  {
    files: ['src/reports/**/*.ts', 'src/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [prismaValues] }], 'no-restricted-syntax': noPrismaMembers },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`), '@stoqey/ib', '@prisma/client', 'winston', 'pg', 'express'].map((name) => ({
            name,
            message: 'workflows run in Temporal’s deterministic sandbox: do I/O in activities',
          })),
          patterns: [{ group: ['../src/db/*', '../src/logger', '../activities/broker/*'], message: 'no I/O from workflows' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'no environment in workflows' }, { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@temporalio/*', 'node:*', 'fs', 'net', 'http', '../db/*', '../api/*', 'winston'], message: 'domain/ is pure: no Temporal, no I/O' }] },
      ],
    },
  },
);

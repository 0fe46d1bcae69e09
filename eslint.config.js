import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering (../shared/DESIGN.md): lower layers never import higher ones. Each entry lists what a
 * folder of src/lib must not import.
 */
const layers = {
  model: [
    'storage',
    'textparse',
    'promql',
    'tsdb',
    'config',
    'relabel',
    'discovery',
    'scrape',
    'rules',
    'api',
    'notifier',
    'remote',
    'app',
    'cli',
    'ui',
    'install',
    'hostmetrics',
  ],
  storage: [
    'tsdb',
    'promql',
    'config',
    'relabel',
    'discovery',
    'scrape',
    'rules',
    'api',
    'notifier',
    'remote',
    'app',
    'cli',
    'ui',
  ],
  textparse: ['storage', 'tsdb', 'promql', 'config', 'scrape', 'rules', 'api', 'app', 'cli', 'ui'],
  tsdb: [
    'promql',
    'config',
    'relabel',
    'discovery',
    'scrape',
    'rules',
    'api',
    'notifier',
    'remote',
    'app',
    'cli',
    'ui',
  ],
  promql: [
    'tsdb',
    'config',
    'relabel',
    'discovery',
    'scrape',
    'rules',
    'api',
    'notifier',
    'remote',
    'app',
    'cli',
    'ui',
  ],
  config: ['tsdb', 'scrape', 'rules', 'api', 'notifier', 'remote', 'app', 'cli', 'ui'],
  relabel: ['tsdb', 'promql', 'scrape', 'rules', 'api', 'app', 'cli', 'ui'],
  discovery: ['tsdb', 'promql', 'scrape', 'rules', 'api', 'app', 'cli', 'ui'],
  scrape: ['tsdb', 'promql', 'rules', 'api', 'app', 'cli', 'ui'],
  rules: ['tsdb', 'api', 'app', 'cli', 'ui'],
  api: ['tsdb', 'app', 'cli', 'ui'],
  hostmetrics: ['tsdb', 'promql', 'scrape', 'rules', 'api', 'app', 'cli', 'ui'],
  ui: ['tsdb', 'app', 'scrape', 'rules'],
};

const layerRules = Object.entries(layers).map(([layer, banned]) => ({
  files: [`src/lib/${layer}/**/*.ts`, `src/lib/${layer}/**/*.tsx`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...banned.map((b) => ({
            group: [`**/lib/${b}/*`, `../${b}/*`, `../../${b}/*`, `../../../${b}/*`],
            message: `src/lib/${layer} must not import src/lib/${b} (see DESIGN.md layering).`,
          })),
          { group: ['**/test/**', '**/commands/**'], message: 'src/lib must not import tests or commands.' },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.bench-tmp/', 'oclif.manifest.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  ...layerRules,
  {
    // The web page's plain browser script.
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        performance: 'readonly',
        uPlot: 'readonly',
      },
    },
  },
);

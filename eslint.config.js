// Lint, and the import boundaries TypeScript project references cannot see. Each layer lists
// what it may import; everything else is an error with a message saying why. A test
// (test/unit/boundaries.test.ts) proves a forbidden import fails.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const layers = ['core', 'api', 'backend', 'server', 'cli', 'main', 'preload', 'renderer'];

/** Packages that belong to exactly one place (STYLE.md: one package per place). */
const ownedPackages = {
  electron: ['src/main/**', 'src/preload/**'],
  '@kubernetes/client-node': ['src/backend/cluster/**', 'src/backend/probes/pod/**'],
  ssh2: ['src/backend/probes/ssh/**'],
  'ssh-config': ['src/backend/probes/ssh/**'],
  cytoscape: ['src/renderer/features/graph/**'],
  zustand: ['src/renderer/store/**'],
  react: ['src/renderer/**'],
  'react-dom': ['src/renderer/**'],
  ws: ['src/server/**'],
  commander: ['src/cli/**'],
};

/** Which layers each layer may import, and whether Node built-ins are allowed. */
const rules = {
  core: { layers: [], node: false },
  api: { layers: ['core'], node: false },
  backend: { layers: ['core', 'api'], node: true },
  server: { layers: ['core', 'api', 'backend'], node: true },
  cli: { layers: ['core', 'api', 'backend', 'server'], node: true },
  main: { layers: ['core', 'api', 'backend'], node: true },
  preload: { layers: ['api'], node: false },
  renderer: { layers: ['core', 'api'], node: false },
};

function matches(file, glob) {
  return file.startsWith(glob.replace('/**', '/'));
}

/** One config block per layer (and per owned-package sub-folder), each with its full rule. */
function boundaryConfigs() {
  const folders = new Set(layers.map((l) => `src/${l}/**`));
  for (const owners of Object.values(ownedPackages)) for (const o of owners) folders.add(o);
  // More specific folders come later so their rule wins.
  const ordered = [...folders].sort((a, b) => a.length - b.length);
  return ordered.map((folder) => {
    const layer = folder.split('/')[1];
    const rule = rules[layer];
    const paths = [];
    const patterns = [];
    if (!rule.node) {
      paths.push(
        ...nodeBuiltins.map((name) => ({
          name,
          message: `src/${layer} runs where Node is not available: Node built-ins belong in src/backend.`,
        })),
      );
    }
    for (const [pkg, owners] of Object.entries(ownedPackages)) {
      if (owners.some((o) => matches(folder, o))) continue;
      paths.push({ name: pkg, message: `${pkg} may only be imported in ${owners.join(', ')}.` });
      patterns.push({ group: [`${pkg}/*`], message: `${pkg} may only be imported in ${owners.join(', ')}.` });
    }
    for (const other of layers) {
      if (other === layer || rule.layers.includes(other)) continue;
      patterns.push({
        // Relative imports only: `electron/main` is a package, not src/main.
        regex: `^\\.{1,2}/(?:.*/)?${other}(?:/|$)`,
        message: `src/${layer} may not import src/${other} (allowed: ${rule.layers.join(', ') || 'nothing'}).`,
      });
    }
    return {
      files: [folder.endsWith('/**') ? `${folder}/*.{ts,tsx}` : folder],
      rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
    };
  });
}

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'native/**', 'test/lab/.state/**', 'test-results/**', 'out/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['scripts/**', 'bin/**', 'bench/**', '*.config.{js,ts}', 'test/**', 'src/backend/**', 'src/server/**', 'src/cli/**', 'src/main/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['bin/**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  ...boundaryConfigs(),
);

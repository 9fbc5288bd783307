// Bundles the CLI into a few ESM files. Loading one bundle instead of hundreds of modules
// (and not having Node lex every CommonJS dependency for its exports) is most of what keeps
// `lakebox query "select 1"` fast. Native addons, the AWS SDK and esbuild (which finds its
// binary next to its own files) stay external packages, as do vega and vega-lite (loaded on
// first use by `ml report`; bundled, vega-lite's module lost its named exports).
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunk names carry content hashes: without a clean folder, every build would leave the last
// build's chunks behind.
await rm('dist/cli-bundle', { recursive: true, force: true });

await build({
  // A function's context module is loaded by its worker threads, by path: an entry of its own.
  entryPoints: {
    lakebox: 'src/cli/main.ts',
    'function-context': 'src/functions/function-context.ts',
  },
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: [
    '@duckdb/node-bindings*',
    'better-sqlite3',
    'pg-native',
    '@aws-sdk/*',
    'apache-arrow',
    'esbuild',
    'vega',
    'vega-lite',
    // Its native bindings for every platform sit beside its own files; loaded only to score ONNX.
    'onnxruntime-node',
  ],
  banner: {
    js: "import { createRequire as __lakeboxCreateRequire } from 'node:module'; const require = __lakeboxCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

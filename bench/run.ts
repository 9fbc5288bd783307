// `npm run bench -- NAME`: runs bench/NAME.ts, which prints its figures. Benchmarks never
// fail on time; they measure, and compare against an anchor measured in the same run.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const names = (await readdir(fileURLToPath(new URL('.', import.meta.url))))
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'measure.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${names.join(', ')})`);
  process.exit(2);
}
await import(`./${name}.ts`);

// Preloaded (`node --import`) into a CLI process under test: on exit it writes the process's
// peak resident set size in bytes, native memory (DuckDB) included, to the file named by
// LAKEBOX_TEST_PEAK_RSS_FILE, so that a test can bound what a command held at its worst.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

process.on('exit', () => {
  const file = process.env['LAKEBOX_TEST_PEAK_RSS_FILE'];
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});

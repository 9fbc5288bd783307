import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every regular file under `root` (relative path → sha256), skipping the names in `skip`. */
export async function checksums(
  root: string,
  skip: string[] = [],
): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath, entry.name);
    const rel = abs.slice(root.length + 1);
    if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
    result[rel] = createHash('sha256')
      .update(await readFile(abs))
      .digest('hex');
  }
  return result;
}

/** A latch: `wait()` resolves once `open()` is called. */
export function latch(): { open(): void; wait(): Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, wait: () => opened };
}

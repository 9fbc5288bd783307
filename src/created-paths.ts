import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';

/**
 * What an all-or-nothing operation (`Lake.init`) has made so far on the local disk, so that
 * a failure removes exactly that: directories it created (with what is in them) and files it
 * created, never anything that was there before.
 */
export class CreatedPaths {
  readonly #paths: string[] = [];

  /** `mkdir -p`, remembering the topmost directory it created. */
  async mkdir(path: string): Promise<void> {
    const first = await mkdir(path, { recursive: true });
    if (first !== undefined) this.#paths.push(first);
  }

  /** Remembers `paths` that do not exist yet, before something creates them. */
  willCreate(...paths: string[]): void {
    for (const path of paths) if (!existsSync(path)) this.#paths.push(path);
  }

  /** Lets go of everything remembered: it is no longer this operation's to remove. */
  forget(): void {
    this.#paths.length = 0;
  }

  /** Removes everything remembered, newest first. */
  async removeAll(): Promise<void> {
    for (const path of this.#paths.splice(0).reverse())
      await rm(path, { recursive: true, force: true });
  }
}

/**
 * A seeded generator (Mulberry32): `Math.random` cannot be seeded, and the same seed must give
 * the same model byte for byte. A 2^32 period is ample for row and column sampling, and it is
 * fast in JavaScript because it stays in 32-bit integer arithmetic.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Spread nearby seeds (0, 1, 2, ...) apart before the first draw.
    this.state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex
 * objectives such as regularised log loss. Hand-written: no maintained JavaScript package
 * offers L-BFGS over typed arrays without dragging in a numerics framework.
 */
export interface LbfgsOptions {
  readonly maxIterations: number;
  /** Stops when the largest gradient component is below this times max(1, |f|). */
  readonly gradientTolerance: number;
  /** Corrections kept. */
  readonly memory?: number;
  onIteration?(iteration: number, value: number): void;
}

/** `evaluate(x, grad)` writes the gradient at x into grad and returns f(x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export function minimizeLbfgs(
  evaluate: Objective,
  start: Float64Array,
  options: LbfgsOptions,
): { x: Float64Array; value: number; iterations: number } {
  const n = start.length;
  const m = options.memory ?? 10;
  let x = Float64Array.from(start);
  let grad = new Float64Array(n);
  let value = evaluate(x, grad);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Array<number>(m).fill(0);
  let iteration = 0;
  for (; iteration < options.maxIterations; iteration++) {
    if (maxAbs(grad) <= options.gradientTolerance * Math.max(1, Math.abs(value))) break;
    // Two-loop recursion: direction = -H grad.
    for (let i = 0; i < n; i++) direction[i] = -grad[i]!;
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(s[k]!, direction);
      axpy(-alpha[k]!, y[k]!, direction);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      scale(direction, dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!));
    } else {
      scale(direction, 1 / Math.max(1, Math.sqrt(dot(grad, grad))));
    }
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k]! * dot(y[k]!, direction);
      axpy(alpha[k]! - beta, s[k]!, direction);
    }
    let slope = dot(grad, direction);
    if (slope >= 0) {
      // Not a descent direction (curvature went wrong): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -grad[i]!;
      slope = dot(grad, direction);
    }
    let step = 1;
    const next = new Float64Array(n);
    const nextGrad = new Float64Array(n);
    let nextValue = value;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) next[i] = x[i]! + step * direction[i]!;
      nextValue = evaluate(next, nextGrad);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextValue <= value)) break; // no progress possible at machine precision
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = next[i]! - x[i]!;
      yk[i] = nextGrad[i]! - grad[i]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const improvement = value - nextValue;
    x = next;
    grad = nextGrad;
    value = nextValue;
    options.onIteration?.(iteration + 1, value);
    if (improvement <= 1e-15 * Math.max(1, Math.abs(value))) {
      iteration++;
      break;
    }
  }
  return { x, value, iterations: iteration };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i]! *= a;
}

function maxAbs(x: Float64Array): number {
  let max = 0;
  for (const v of x) max = Math.max(max, Math.abs(v));
  return max;
}

import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What is at work in this async context: a run's handler (`run:<id>`), or a trigger
 * delivering an event (`trigger:<name>`). Events appended and runs submitted meanwhile are
 * attributed to it: an event's `source` names it, and both carry its `chainDepth` (how many
 * trigger deliveries led here), which is what lets the dispatcher stop an event loop that
 * no check of a pattern could foresee.
 */
export interface Cause {
  source: string;
  chainDepth: number;
}

const current = new AsyncLocalStorage<Cause>();

/** The cause at work in this async context, or undefined (a call through the API). */
export function currentCause(): Cause | undefined {
  return current.getStore();
}

/** Runs `work` as caused by `cause`: what it appends and submits is attributed to it. */
export function withCause<T>(cause: Cause, work: () => T): T {
  return current.run(cause, work);
}

/**
 * Makes `cause` the cause of the rest of this call and what it awaits: for a function's
 * worker thread, where each call from the host is one invocation and no wrapper can be
 * put around the handler's call.
 */
export function enterCause(cause: Cause): void {
  current.enterWith(cause);
}

import type { AddressInfo } from 'node:net';
import type { EventHandler } from '../events/event-tail.js';
import { scanSummary } from '../events/object-scan/scan-summary.js';
import { RetentionLoop } from '../events/retention-loop.js';
import type { Lake, LakeWorker } from '../lake.js';
import { deliveryText } from '../triggers/delivery-text.js';
import type { Run } from '../runs/run.js';
import type { SchedulerNote } from '../runs/scheduler.js';
import { httpServer } from './http-server.js';
import type { Readiness } from './routes/health.js';

/** One notable thing: an event name, its fields, and a line for people. */
export type ServeLog = (event: string, fields: Record<string, unknown>, text: string) => void;

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port (printed in the `listening` line). */
  port?: number;
  /** Runs performed at once by this process. */
  concurrency?: number;
  /** On stop, how long runs in flight may take before they are handed back. */
  drainTimeoutMs?: number;
  schedulerPollMs?: number;
  leaderRetryMs?: number;
  /** Handlers of every event appended to the lake's log (the event dispatcher hook). */
  eventHandlers?: EventHandler[];
  /**
   * The durable consumer the handlers read through (its cursor survives restarts; delivery
   * is at least once); without one they see the events from start-up on.
   */
  eventConsumer?: string;
  /** Run the trigger dispatcher (default true). */
  dispatch?: boolean;
  /** Longest idle wait of the trigger dispatcher between reads. */
  dispatchPollMs?: number;
  /** Between reads of the endpoint records (created, updated, deleted endpoints). 1 second. */
  endpointPollMs?: number;
  /** Between prunes of the event log (its retention). One hour. */
  retentionEveryMs?: number;
  log: ServeLog;
}

export interface RunningServe {
  readonly port: number;
  /** Drains: no new requests, ticks or runs; runs in flight finish or are handed back. */
  stop(options?: { handBackNow?: AbortSignal }): Promise<void>;
}

/**
 * `lakebox serve`: an executor (this process works runs when the lake dispatches them to
 * workers; an embedded lake runs them in this process), the scheduler, the event dispatcher
 * and the HTTP server, started in that order and stopped in the reverse one.
 */
export async function serve(lake: Lake, options: ServeOptions): Promise<RunningServe> {
  const { log } = options;
  let stopping = false;
  let worker: LakeWorker | undefined;
  if (lake.config.executor.mode === 'workers') {
    worker = await lake.work({
      concurrency: options.concurrency,
      onRun: (event, run) => log(`run.${event}`, runFields(run), runText(event, run)),
    });
    log('worker.started', { worker: worker.id }, `Taking runs of every kind as ${worker.id}.`);
  }
  // This process hosts the lake: runs that dead processes left queued run here.
  await lake.hostStrandedRuns();
  const scheduler = lake.scheduler({
    pollMs: options.schedulerPollMs,
    leaderRetryMs: options.leaderRetryMs,
    note: (note) => log(note.event, noteFields(note), noteText(note)),
  });
  scheduler.start();
  const events = lake.events.tail({
    // Durable when named: a restarted serve resumes after the last event its handlers saw.
    cursor: options.eventConsumer ? lake.events.consumer(options.eventConsumer) : undefined,
    onError: (error, event) =>
      log(
        'event.handler_failed',
        { eventId: event?.id, message: String(error) },
        `Event handler failed: ${String(error)}`,
      ),
  });
  for (const handler of options.eventHandlers ?? []) events.on(handler);
  events.start();
  const dispatcher =
    options.dispatch === false
      ? undefined
      : lake.triggers.dispatcher({
          pollMs: options.dispatchPollMs,
          leaderRetryMs: options.leaderRetryMs,
          onDelivery: (note) => log(`trigger.${note.status}`, { ...note }, deliveryText(note)),
          onLeader: (leading) =>
            log(
              leading ? 'dispatch.leader' : 'dispatch.follower',
              {},
              leading
                ? 'This process delivers events to triggers now.'
                : 'Stopped delivering events (lost the lead).',
            ),
          onError: (error) =>
            log(
              'dispatch.error',
              { message: String(error) },
              `Trigger dispatch failed: ${String(error)}`,
            ),
        });
  dispatcher?.start();
  const { retentionDays } = lake.config.events;
  const retention = new RetentionLoop({
    prune: () => lake.events.prune(retentionDays),
    active: () => retentionDays > 0 && scheduler.leading,
    everyMs: options.retentionEveryMs,
    onResult: ({ deleted, heldBy }) => {
      if (deleted > 0) {
        log(
          'events.pruned',
          { deleted, retentionDays },
          `Deleted ${deleted} event(s) older than ${retentionDays} day(s).`,
        );
      }
      for (const held of heldBy) {
        log(
          'events.retention_held',
          held,
          `Kept ${held.kept} event(s) past retention for consumer ${held.consumer}, which has not read them; \`lakebox events consumers --delete ${held.consumer}\` releases them.`,
        );
      }
    },
    onError: (error) =>
      log(
        'events.prune_failed',
        { message: String(error) },
        `Pruning events failed: ${String(error)}`,
      ),
  });
  retention.start();
  // Objects that reach a zone by other means than the lake; not awaited, so a first scan
  // (the baseline) of a big lake does not hold back the HTTP server.
  const objects = lake.config.events.watchObjects
    ? lake.watchObjects({
        onScan: (counts) => {
          const text = scanSummary(counts);
          if (text) log('objects.scanned', { ...counts }, `Objects: ${text}.`);
        },
        onError: (error) =>
          log(
            'objects.scan_failed',
            { message: String(error) },
            `Scanning the zones for objects failed: ${String(error)}`,
          ),
      })
    : undefined;

  const readiness = async (): Promise<Readiness> => {
    const metadata = await lake.ping().then(
      () => ({ ok: true }),
      (error: unknown) => ({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    const checks = {
      metadata,
      draining: stopping ? { ok: false, message: 'stopping' } : { ok: true },
      scheduler: { ok: true, message: scheduler.leading ? 'leader' : 'follower' },
      dispatch: {
        ok: true,
        message: !dispatcher ? 'off' : dispatcher.leading ? 'leader' : 'follower',
      },
    };
    return { ready: Object.values(checks).every((check) => check.ok), checks };
  };
  // Every endpoint's models are loaded before the port opens: no request pays a load.
  const endpoints = lake.endpoints.host({ pollMs: options.endpointPollMs, onNote: log });
  await endpoints.start();
  const host = options.host ?? '127.0.0.1';
  // Beyond loopback anyone on the network could reach the lake: a token is a must there.
  const authRequired = !isLoopback(host);
  const app = httpServer({
    lake,
    readiness,
    authRequired,
    endpoints,
    onInternalError: (error, route, requestId) =>
      log(
        'http.error',
        { route, requestId, message: String(error) },
        `${route} failed (request ${requestId}): ${String(error)}`,
      ),
  });
  await app.listen({ host, port: options.port ?? 8080 });
  const { port, address } = app.server.address() as AddressInfo;
  log(
    'listening',
    { host: address, port, auth: authRequired ? 'required' : 'optional' },
    `Listening on http://${address}:${port} (/healthz, /readyz, /runs, /endpoints); API tokens ${authRequired ? 'required' : 'optional on loopback'}.`,
  );
  if (authRequired && !(await lake.tokens.list()).some((t) => t.revokedAt === null))
    log(
      'auth.no_tokens',
      {},
      'No API token is valid yet, so every API request is refused: create one with lakebox token create NAME.',
    );

  return {
    port,
    async stop(stop = {}) {
      stopping = true;
      await app.close();
      await endpoints.stop();
      await retention.stop();
      await (await objects)?.stop();
      await scheduler.stop();
      await dispatcher?.stop();
      await events.stop();
      await worker?.stop({ deadlineMs: options.drainTimeoutMs, handBackNow: stop.handBackNow });
    },
  };
}

/** Whether `host` listens on this machine only (where tokens are optional). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function runFields(run: Run): Record<string, unknown> {
  return {
    runId: run.id,
    kind: run.kind,
    name: run.name,
    status: run.status,
    attempt: run.attempt,
  };
}

function runText(event: 'started' | 'ended', run: Run): string {
  const what = `${run.id} (${run.kind}${run.name ? ` ${run.name}` : ''}, attempt ${run.attempt})`;
  return event === 'started' ? `started ${what}` : `${run.status} ${what}`;
}

function noteFields(note: SchedulerNote): Record<string, unknown> {
  const { event: _event, ...fields } = note;
  return fields;
}

function noteText(note: SchedulerNote): string {
  switch (note.event) {
    case 'leader.acquired':
      return 'This process schedules now (leader).';
    case 'leader.lost':
      return `Lost the scheduler lead: ${note.message}`;
    case 'tick.fired':
      return `${note.key} fired for ${note.tickAt.toISOString()}: ${note.runId}`;
    case 'tick.missed':
      return `Ticks due from ${note.from.toISOString()} to ${note.until.toISOString()} are missed: nothing scheduled then, and they are older than the catch-up window.`;
    case 'tick.failed':
      return `${note.key} could not start for ${note.tickAt.toISOString()}: ${note.message}`;
    case 'schedule.invalid':
      return `${note.key} is not scheduled: ${note.message}`;
  }
}

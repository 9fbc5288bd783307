import { hostname } from 'node:os';
import { LakeError } from '../errors/lake-error.js';
import { CaptureWriter, type CaptureSink, type CaptureStats } from './capture-writer.js';
import type { Endpoint, ServedVariant, VariantTraffic } from './endpoint.js';
import { EndpointDeployment, type LoadedVariant } from './endpoint-deployment.js';
import type { DeploymentRecords } from './deployment-records.js';
import { requestRecords, type InvocationBody } from './request-records.js';
import type { Scores, ServingModels } from './serving-models.js';
import type { Random } from './variant-picker.js';

/** The endpoint records a host follows. */
export interface EndpointSource {
  list(): Promise<Endpoint[]>;
  /** @throws LakeError ENDPOINT_NOT_FOUND, naming close matches. */
  get(name: string): Promise<Endpoint>;
}

export type HostNote = (event: string, fields: Record<string, unknown>, text: string) => void;

export interface HostOptions {
  /** Serve this endpoint alone (`lakebox endpoint serve NAME`); otherwise every endpoint. */
  only?: string;
  /** Between reads of the endpoint records (and of the aliases they name). 1 second. */
  pollMs?: number;
  /** The traffic split's random numbers; Math.random unless told. */
  random?: Random;
  onNote?: HostNote;
  /** Where captured requests go (the service wires the lake's table writer). */
  captureSink?: CaptureSink;
  /** Between writes of captured rows. 1 second. */
  captureFlushMs?: number;
  /** Most captured rows held while a write is in flight. 10,000. */
  captureMaxPending?: number;
}

/** What an invocation answers. */
export interface Invocation extends Scores {
  readonly variant: string;
  readonly model: string;
  readonly version: number;
}

/** One answered (or failed) request of a variant, for metrics. */
export interface VariantObservation {
  readonly endpoint: string;
  readonly variant: string;
  readonly shadow: boolean;
  readonly ok: boolean;
  readonly seconds: number;
}

interface Counts {
  requests: number;
  errors: number;
  seconds: number;
  shadow: boolean;
}

/**
 * Serves endpoints: each endpoint's current generation (every variant's model loaded and
 * warm) is one reference in a map. A changed record, or an alias that moved, is loaded as
 * a new generation beside the old one, then the reference is swapped: a request takes the
 * generation it finds and finishes on it, and the old one closes when its last request is
 * answered. A generation that fails to load leaves the old one serving, and the failure is
 * recorded with its reason (`lake.endpoints.status`).
 */
export class EndpointHost {
  readonly #current = new Map<string, EndpointDeployment>();
  /** Keys that failed to load, so a broken config is not reloaded on every poll. */
  readonly #failed = new Map<string, string>();
  readonly #traffic = new Map<string, Map<string, Counts>>();
  readonly #id = `${hostname()}:${process.pid}`;
  /** The traffic last written per endpoint, to write only what changed. */
  readonly #reported = new Map<string, string>();
  readonly #captures = new Map<string, CaptureWriter>();
  readonly #observers = new Set<(o: VariantObservation) => void>();
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly source: EndpointSource,
    private readonly models: ServingModels,
    private readonly records: DeploymentRecords,
    private readonly options: HostOptions = {},
    private readonly onStopped: () => void = () => undefined,
  ) {}

  /** Loads every endpoint (or the one), then follows the records until stopped. */
  async start(): Promise<void> {
    if (this.options.only) await this.source.get(this.options.only);
    await this.refresh();
    const loop = () => {
      if (this.#stopped) return;
      this.#timer = setTimeout(
        () => void this.refresh().finally(loop),
        this.options.pollMs ?? 1000,
      );
      this.#timer.unref();
    };
    loop();
  }

  /** Reads the records now and loads what changed; one refresh at a time. */
  refresh(): Promise<void> {
    return (this.#syncing ??= this.#sync().finally(() => (this.#syncing = undefined)));
  }

  /** The endpoints this host serves, by name. */
  serving(): string[] {
    return [...this.#current.keys()].sort();
  }

  /**
   * Scores a request on the endpoint: a variant picked by weight answers; the shadow, if
   * any, gets a copy after the answer is on its way.
   *
   * @throws LakeError ENDPOINT_NOT_FOUND, ENDPOINT_NOT_SERVING (not loaded here),
   *   INVALID_ARGUMENT (the body or a record does not fit the model).
   */
  async invoke(name: string, body: InvocationBody): Promise<Invocation> {
    const deployment = this.#current.get(name.toLowerCase());
    if (!deployment) throw await this.#notServing(name);
    return deployment.use(async () => {
      const variant = deployment.pick();
      const counts = this.#counts(deployment.endpoint.name, variant);
      counts.requests++;
      const started = performance.now();
      try {
        const records = requestRecords(body, variant.model.inputs);
        const scores = await variant.model.score(records);
        this.#observed(deployment, variant, true, started);
        this.#capture(deployment, variant, records, scores, started);
        if (deployment.shadow) this.#mirror(deployment, deployment.shadow, records);
        return {
          variant: variant.served.name,
          model: variant.served.model,
          version: variant.served.version,
          ...scores,
        };
      } catch (error) {
        counts.errors++;
        this.#observed(deployment, variant, false, started);
        throw error;
      }
    });
  }

  /** Calls `observer` for every request a variant answers or fails; returns the unsubscribe. */
  observe(observer: (o: VariantObservation) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Data capture's counts for the endpoint, when it captures here. */
  captureStats(name: string): CaptureStats | null {
    return this.#captures.get(name.toLowerCase())?.stats() ?? null;
  }

  /** Requests and errors per variant (the shadow's too) since this host started. */
  traffic(name: string): VariantTraffic[] {
    return [...(this.#traffic.get(name.toLowerCase()) ?? [])].map(([variant, c]) => ({
      variant,
      shadow: c.shadow,
      requests: c.requests,
      errors: c.errors,
      meanMs: c.requests > 0 ? (c.seconds * 1000) / c.requests : 0,
    }));
  }

  /** Stops following the records; closes every model once its requests are answered. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.onStopped();
    clearTimeout(this.#timer);
    await this.#syncing;
    const generations = [...this.#current.values()];
    this.#current.clear();
    await Promise.all(generations.map((g) => g.retire()));
    const captures = [...this.#captures.values()];
    this.#captures.clear();
    await Promise.all(captures.map((c) => c.close()));
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return;
    const all = await this.source.list();
    const only = this.options.only?.toLowerCase();
    const endpoints = only ? all.filter((e) => e.name === only) : all;
    const names = new Set(endpoints.map((e) => e.name));
    for (const [name, generation] of this.#current)
      if (!names.has(name)) {
        this.#current.delete(name);
        this.#failed.delete(name);
        void generation.retire();
        void this.#captures.get(name)?.close();
        this.#captures.delete(name);
        this.#note('endpoint.removed', { endpoint: name }, `Stopped serving endpoint ${name}.`);
      }
    // One at a time: loading is paid off the request path, and a burst of updates never
    // loads every model of the lake at once.
    for (const endpoint of endpoints) {
      await this.#deploy(endpoint);
      this.#captureFor(endpoint);
    }
    await this.#reportTraffic();
  }

  /** Writes the counts that changed since the last poll (one small update per endpoint). */
  async #reportTraffic(): Promise<void> {
    for (const name of this.#current.keys()) {
      const traffic = this.traffic(name);
      const capture = this.captureStats(name);
      const text = JSON.stringify([traffic, capture]);
      if (this.#reported.get(name) === text) continue;
      await this.records.traffic(name, this.#id, traffic, capture).catch(() => undefined);
      this.#reported.set(name, text);
    }
  }

  async #deploy(endpoint: Endpoint): Promise<void> {
    const current = this.#current.get(endpoint.name);
    const before = current ? served(current) : null;
    const configAt = endpoint.updatedAt.getTime();
    let key: string | undefined;
    try {
      const resolved = await EndpointDeployment.resolve(endpoint, this.models);
      key = resolved.key;
      if (key === current?.key || key === this.#failed.get(endpoint.name)) return;
      const next = await EndpointDeployment.load(
        endpoint,
        key,
        resolved.served,
        this.models,
        this.options.random ?? Math.random,
      );
      if (this.#stopped) return void (await next.retire());
      this.#current.set(endpoint.name, next); // the switch: one reference
      this.#failed.delete(endpoint.name);
      void current?.retire();
      await this.records.note(endpoint.name, {
        state: 'serving',
        serving: resolved.served,
        configAt,
        error: null,
        host: this.#id,
      });
      this.#note(
        'endpoint.deployed',
        { endpoint: endpoint.name, variants: resolved.served },
        `Serving endpoint ${endpoint.name}: ${resolved.served.map(describe).join(', ')}.`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // An unresolved ref has no key: remember the record's time instead.
      this.#failed.set(endpoint.name, key ?? `unresolved@${configAt}`);
      await this.records
        .note(endpoint.name, {
          state: 'failed',
          serving: before,
          configAt,
          error: message,
          host: this.#id,
        })
        .catch(() => undefined);
      this.#note(
        'endpoint.update_failed',
        { endpoint: endpoint.name, message },
        `Endpoint ${endpoint.name} was not updated${before ? ' (the previous variants keep serving)' : ''}: ${message}`,
      );
    }
  }

  /** Starts or stops the endpoint's capture writer as its record says. */
  #captureFor(endpoint: Endpoint): void {
    const writer = this.#captures.get(endpoint.name);
    if (endpoint.capture && !writer && this.options.captureSink)
      this.#captures.set(
        endpoint.name,
        new CaptureWriter(
          `endpoints.${endpoint.name.replace(/-/g, '_')}_capture`,
          this.options.captureSink,
          {
            flushMs: this.options.captureFlushMs,
            maxPending: this.options.captureMaxPending,
          },
        ),
      );
    if (endpoint.capture) {
      const current = this.#captures.get(endpoint.name);
      if (current) current.sample = endpoint.capture.sample;
    }
    if (!endpoint.capture && writer) {
      this.#captures.delete(endpoint.name);
      void writer.close();
    }
  }

  /** A sampled request's records and answers into the capture buffer; never waits. */
  #capture(
    deployment: EndpointDeployment,
    variant: LoadedVariant,
    records: ReadonlyArray<Record<string, unknown>>,
    scores: Scores,
    started: number,
  ): void {
    const writer = this.#captures.get(deployment.endpoint.name);
    if (!writer || (this.options.random ?? Math.random)() >= writer.sample) return;
    const time = new Date();
    const latencyMs = performance.now() - started;
    writer.add(
      records.map((record, i) => ({
        time,
        variant: variant.served.name,
        model: variant.served.model,
        version: variant.served.version,
        latency_ms: latencyMs,
        request: JSON.stringify(record),
        prediction: JSON.stringify(scores.predictions[i] ?? null),
        probabilities: scores.probabilities ? JSON.stringify(scores.probabilities[i]) : null,
      })),
    );
  }

  #mirror(deployment: EndpointDeployment, shadow: LoadedVariant, records: unknown[]): void {
    const counts = this.#counts(deployment.endpoint.name, shadow);
    // After the answer is sent (setImmediate), and counted on the generation so it is not
    // closed under the shadow; its failures are counted, never thrown.
    let started = 0;
    void deployment
      .use(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        counts.requests++;
        started = performance.now();
        await shadow.model.score(records as Array<Record<string, unknown>>);
        this.#observed(deployment, shadow, true, started);
      })
      .catch(() => {
        counts.errors++;
        this.#observed(deployment, shadow, false, started);
      });
  }

  #observed(
    deployment: EndpointDeployment,
    variant: LoadedVariant,
    ok: boolean,
    started: number,
  ): void {
    const seconds = (performance.now() - started) / 1000;
    this.#counts(deployment.endpoint.name, variant).seconds += seconds;
    if (this.#observers.size === 0) return;
    const observation = {
      endpoint: deployment.endpoint.name,
      variant: variant.served.name,
      shadow: variant.served.shadow,
      ok,
      seconds,
    };
    for (const observer of this.#observers) observer(observation);
  }

  #counts(endpoint: string, variant: LoadedVariant): Counts {
    let byVariant = this.#traffic.get(endpoint);
    if (!byVariant) this.#traffic.set(endpoint, (byVariant = new Map()));
    let counts = byVariant.get(variant.served.name);
    if (!counts)
      byVariant.set(
        variant.served.name,
        (counts = { requests: 0, errors: 0, seconds: 0, shadow: variant.served.shadow }),
      );
    return counts;
  }

  async #notServing(name: string): Promise<LakeError> {
    const endpoint = await this.source.get(name); // ENDPOINT_NOT_FOUND when there is none
    const only = this.options.only?.toLowerCase();
    return new LakeError(
      'ENDPOINT_NOT_SERVING',
      only && endpoint.name !== only
        ? `This process serves endpoint ${only} only, not ${endpoint.name}.`
        : `Endpoint ${endpoint.name} is not loaded here yet (its models are loading, or failed to: see lakebox endpoint status ${endpoint.name}); retry shortly.`,
    );
  }

  #note(event: string, fields: Record<string, unknown>, text: string): void {
    this.options.onNote?.(event, fields, text);
  }
}

function served(generation: EndpointDeployment): ServedVariant[] {
  return [...generation.variants, ...(generation.shadow ? [generation.shadow] : [])].map(
    (v) => v.served,
  );
}

function describe(v: ServedVariant): string {
  return `${v.name} = ${v.model}:${v.version}${v.shadow ? ' (shadow)' : ` weight ${v.weight}`}`;
}

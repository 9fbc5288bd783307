import type { CaptureStats } from './capture-writer.js';

/** A production variant: a share of the traffic, answered by one model version (or alias). */
export interface EndpointVariant {
  readonly name: string;
  /** A model ref: `churn:3`, `churn@production`, or `churn` (its latest version). */
  readonly model: string;
  /** Relative: variants of weight 3 and 1 take 75% and 25% of the requests. */
  readonly weight: number;
}

/** Gets a copy of every request; its answers are recorded, never returned. */
export interface ShadowVariant {
  readonly name: string;
  readonly model: string;
}

/** A model endpoint (a SageMaker endpoint): a record; `lakebox serve` serves it. */
export interface Endpoint {
  readonly name: string;
  readonly description: string | null;
  readonly variants: readonly EndpointVariant[];
  readonly shadow: ShadowVariant | null;
  /** Serving processes wanted behind the endpoint's port (recorded; one is run today). */
  readonly instances: number;
  /** A sampled share of requests and answers written to `endpoints.<name>_capture`. */
  readonly capture: CaptureConfig | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What create takes: a variant's name defaults to its model ref's, its weight to 1. */
export interface EndpointConfig {
  readonly variants: ReadonlyArray<{ name?: string; model: string; weight?: number }>;
  readonly shadow?: { name?: string; model: string } | null;
  readonly instances?: number;
  readonly capture?: CaptureConfig | null;
  readonly description?: string | null;
}

export interface CaptureConfig {
  /** The share of requests captured, in (0, 1]. */
  readonly sample: number;
}

/** What update takes: the parts given replace the stored ones (`shadow: null` removes it). */
export type EndpointChange = Partial<EndpointConfig>;

/** A variant as a host serves it: its ref resolved to one model version. */
export interface ServedVariant {
  readonly name: string;
  readonly model: string;
  readonly version: number;
  readonly weight: number;
  readonly shadow: boolean;
}

/** What a serving process last did with the endpoint. */
export interface EndpointDeployment {
  /** `serving` the latest config; `failed`: it could not be loaded and `serving` is the one before. */
  readonly state: 'serving' | 'failed';
  readonly serving: readonly ServedVariant[] | null;
  readonly error: string | null;
  readonly host: string;
  readonly updatedAt: Date;
  /** The serving process's counts since it started (as of its latest poll). */
  readonly traffic: readonly VariantTraffic[];
  readonly capture: CaptureStats | null;
}

export interface EndpointStatus {
  readonly endpoint: Endpoint;
  /** Null until a serving process has loaded (or tried) the endpoint. */
  readonly deployment: EndpointDeployment | null;
  /** Requests per variant: this process's now when it serves the endpoint, else the host's. */
  readonly traffic: readonly VariantTraffic[];
  /** Data capture's counts (dropped rows are those the writer could not keep up with). */
  readonly capture: CaptureStats | null;
}

export interface VariantTraffic {
  readonly variant: string;
  readonly shadow: boolean;
  readonly requests: number;
  readonly errors: number;
  /** Mean time to parse, encode and score a request, in milliseconds. */
  readonly meanMs: number;
}

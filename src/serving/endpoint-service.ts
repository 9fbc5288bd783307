import type { LakeServices } from '../lake-services.js';
import { RecordStore } from '../resources/record-store.js';
import type { Endpoint, EndpointChange, EndpointConfig, EndpointStatus } from './endpoint.js';
import type { CaptureSink } from './capture-writer.js';
import { checkConfig } from './endpoint-config.js';
import { EndpointDeployment } from './endpoint-deployment.js';
import { EndpointHost, type HostOptions, type Invocation } from './endpoint-host.js';
import { ENDPOINT_KIND, type EndpointRecordInput } from './endpoint-kind.js';
import { DeploymentRecords } from './deployment-records.js';
import { requestRecords, type InvocationBody } from './request-records.js';
import type { ServingModels } from './serving-models.js';

/**
 * Model endpoints (SageMaker endpoints): records of production variants (model refs with
 * weights for a traffic split), an optional shadow and an instance count. `host()` serves
 * them (what `lakebox serve` and `lakebox endpoint serve` run); `status` says what the
 * serving process did with the latest config.
 *
 * @example
 * await lake.endpoints.create('churn', { variants: [{ name: 'main', model: 'churn@production' }] });
 * await lake.endpoints.update('churn', { variants: [{ name: 'a', model: 'churn:3', weight: 9 }, { name: 'b', model: 'churn:4', weight: 1 }] });
 */
export class EndpointService {
  readonly #records: RecordStore<Endpoint, EndpointRecordInput>;
  readonly #deployments: DeploymentRecords;
  readonly #hosts = new Set<EndpointHost>();

  constructor(
    private readonly services: LakeServices,
    private readonly models: ServingModels,
  ) {
    this.#records = new RecordStore(services.db, services.events, ENDPOINT_KIND);
    this.#deployments = new DeploymentRecords(services.db);
  }

  /**
   * @example await lake.endpoints.create('churn', { variants: [{ model: 'churn:3' }], shadow: { model: 'churn:4' } });
   * @throws LakeError INVALID_IDENTIFIER, INVALID_ARGUMENT, MODEL_NOT_FOUND,
   *   MODEL_VERSION_NOT_FOUND, ENDPOINT_EXISTS.
   */
  async create(name: string, config: EndpointConfig): Promise<Endpoint> {
    const checked = await checkConfig(config, this.models);
    return this.#records.create({ name, ...checked });
  }

  /** @throws LakeError ENDPOINT_NOT_FOUND, naming close matches. */
  get(name: string): Promise<Endpoint> {
    return this.#records.get(name);
  }

  /** Every endpoint, by name. */
  list(): Promise<Endpoint[]> {
    return this.#records.list();
  }

  /**
   * Replaces the parts given (variants, shadow, instances, description); serving processes
   * load the new models beside the old ones and switch when they are loaded.
   *
   * @example await lake.endpoints.update('churn', { variants: [{ name: 'main', model: 'churn:4' }] });
   * @throws LakeError ENDPOINT_NOT_FOUND, INVALID_ARGUMENT, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND.
   */
  async update(name: string, change: EndpointChange): Promise<Endpoint> {
    const stored = await this.#records.get(name);
    const checked = await checkConfig(
      {
        variants: change.variants ?? stored.variants,
        shadow: change.shadow === undefined ? stored.shadow : change.shadow,
        instances: change.instances ?? stored.instances,
        capture: change.capture === undefined ? stored.capture : change.capture,
        description: change.description === undefined ? stored.description : change.description,
      },
      this.models,
    );
    return this.#records.replace({ name: stored.name, ...checked });
  }

  /** Deletes the endpoint; serving processes stop serving it. @throws LakeError ENDPOINT_NOT_FOUND */
  async delete(name: string): Promise<void> {
    await this.#records.delete(name, async (trx, stored) => {
      await trx.deleteFrom('lb_endpoint_deployment').where('endpoint_name', '=', stored).execute();
    });
  }

  /**
   * The record, what a serving process last did with it (`serving`, or `failed` with the
   * reason while the previous variants serve), and this process's traffic counts.
   *
   * @throws LakeError ENDPOINT_NOT_FOUND.
   */
  async status(name: string): Promise<EndpointStatus> {
    const endpoint = await this.#records.get(name);
    const deployment = await this.#deployments.get(endpoint.name);
    const host = [...this.#hosts].find((h) => h.serving().includes(endpoint.name));
    return {
      endpoint,
      deployment,
      traffic: host ? host.traffic(endpoint.name) : (deployment?.traffic ?? []),
      capture: host ? host.captureStats(endpoint.name) : (deployment?.capture ?? null),
    };
  }

  /**
   * A host that serves every endpoint (or `only` one), not yet started: `start()` loads
   * every variant, then it follows the records. `lakebox serve` runs one.
   *
   * @example const host = lake.endpoints.host({ pollMs: 500 }); await host.start(); await host.invoke('churn', { json: { tenure: 3 } });
   */
  host(options: HostOptions = {}): EndpointHost {
    const sink: CaptureSink = async (table, rows) => {
      await (await this.services.writer()).write(table, rows, { mode: 'append' });
    };
    const host = new EndpointHost(
      this.#records,
      this.models,
      this.#deployments,
      { captureSink: sink, ...options },
      () => this.#hosts.delete(host),
    );
    this.#hosts.add(host);
    return host;
  }

  /**
   * Scores one request in this process without a server: loads the endpoint's variants,
   * answers as the served endpoint would (a variant picked by weight), and closes them.
   *
   * @example const { predictions } = await lake.endpoints.invoke('churn', { json: [{ tenure: 3 }] });
   * @throws LakeError ENDPOINT_NOT_FOUND, ENDPOINT_UPDATE_FAILED, INVALID_ARGUMENT.
   */
  async invoke(name: string, body: InvocationBody): Promise<Invocation> {
    const endpoint = await this.#records.get(name);
    const resolved = await EndpointDeployment.resolve({ ...endpoint, shadow: null }, this.models);
    const generation = await EndpointDeployment.load(
      endpoint,
      resolved.key,
      resolved.served,
      this.models,
      Math.random,
    );
    try {
      const variant = generation.pick();
      const scores = await variant.model.score(requestRecords(body, variant.model.inputs));
      return {
        variant: variant.served.name,
        model: variant.served.model,
        version: variant.served.version,
        ...scores,
      };
    } finally {
      await generation.retire();
    }
  }
}

import { LakeError } from '../errors/lake-error.js';
import type { Endpoint, ServedVariant } from './endpoint.js';
import type { LoadedModel, ServingModels } from './serving-models.js';
import { variantPicker, type Random } from './variant-picker.js';

export interface LoadedVariant {
  readonly served: ServedVariant;
  readonly model: LoadedModel;
}

/**
 * One generation of an endpoint: every variant's model loaded and warm, and a picker over
 * their weights. A host swaps whole generations, so a request sees one consistent set;
 * the generation counts the requests it is answering, so that the one replaced is closed
 * only when they are done.
 */
export class EndpointDeployment {
  #inFlight = 0;
  #retired = false;
  #drained: (() => void) | undefined;
  readonly #pick: () => number;

  private constructor(
    readonly endpoint: Endpoint,
    /** The endpoint's record time and resolved versions: equal keys need no reload. */
    readonly key: string,
    readonly variants: readonly LoadedVariant[],
    readonly shadow: LoadedVariant | undefined,
    random: Random,
  ) {
    this.#pick = variantPicker(
      variants.map((v) => v.served.weight),
      random,
    );
  }

  /** The endpoint's refs resolved to versions, and the key of that resolution. */
  static async resolve(
    endpoint: Endpoint,
    models: ServingModels,
  ): Promise<{ key: string; served: ServedVariant[] }> {
    const served = await Promise.all([
      ...endpoint.variants.map(async (v) => ({
        name: v.name,
        ...(await models.resolve(v.model)),
        weight: v.weight,
        shadow: false,
      })),
      ...(endpoint.shadow
        ? [
            models
              .resolve(endpoint.shadow.model)
              .then((r) => ({ name: endpoint.shadow!.name, ...r, weight: 0, shadow: true })),
          ]
        : []),
    ]);
    return { key: JSON.stringify(served), served };
  }

  /**
   * Loads every variant (in parallel); when one fails, closes the rest and throws.
   * @throws LakeError ENDPOINT_UPDATE_FAILED naming the variant and the reason.
   */
  static async load(
    endpoint: Endpoint,
    key: string,
    served: readonly ServedVariant[],
    models: ServingModels,
    random: Random,
  ): Promise<EndpointDeployment> {
    const settled = await Promise.allSettled(served.map((s) => models.load(s.model, s.version)));
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed >= 0) {
      await Promise.all(
        settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)),
      );
      const variant = served[failed]!;
      const cause = (settled[failed] as PromiseRejectedResult).reason as unknown;
      throw new LakeError(
        'ENDPOINT_UPDATE_FAILED',
        `Endpoint ${endpoint.name}: variant ${variant.name} (${variant.model}:${variant.version}) did not load: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          cause,
          details: { variant: variant.name, model: variant.model, version: variant.version },
        },
      );
    }
    const loaded = served.map((s, i) => ({
      served: s,
      model: (settled[i] as PromiseFulfilledResult<LoadedModel>).value,
    }));
    return new EndpointDeployment(
      endpoint,
      key,
      loaded.filter((v) => !v.served.shadow),
      loaded.find((v) => v.served.shadow),
      random,
    );
  }

  /** The variant a request goes to. */
  pick(): LoadedVariant {
    return this.variants[this.#pick()]!;
  }

  /** Runs `work` counted as in flight on this generation. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      if (--this.#inFlight === 0 && this.#retired) this.#drained?.();
    }
  }

  /** Closes the models once the requests in flight on this generation are answered. */
  async retire(): Promise<void> {
    this.#retired = true;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    await Promise.all(
      [...this.variants, ...(this.shadow ? [this.shadow] : [])].map((v) =>
        v.model.close().catch(() => undefined),
      ),
    );
  }
}

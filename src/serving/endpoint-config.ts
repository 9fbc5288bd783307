import { LakeError } from '../errors/lake-error.js';
import type { CaptureConfig, EndpointConfig, EndpointVariant, ShadowVariant } from './endpoint.js';
import type { ServingModels } from './serving-models.js';

const VARIANT_NAME = /^[A-Za-z][\w-]{0,63}$/;
const MAX_INSTANCES = 64;

export interface CheckedConfig {
  variants: EndpointVariant[];
  shadow: ShadowVariant | null;
  instances: number;
  capture: CaptureConfig | null;
  description: string | null;
}

/**
 * Checks an endpoint's config and fills in defaults (variant names `variant-1`, ..., weight
 * 1, shadow name `shadow`, one instance). Every model ref must resolve now, so a typo fails
 * at create or update, not at the first request.
 *
 * @throws LakeError INVALID_ARGUMENT naming the bad part; the registry's MODEL_NOT_FOUND or
 *   MODEL_VERSION_NOT_FOUND for a ref that names nothing.
 */
export async function checkConfig(
  config: EndpointConfig,
  models: ServingModels,
): Promise<CheckedConfig> {
  if (!Array.isArray(config.variants) || config.variants.length === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'An endpoint needs at least one variant: give a model ref (churn:3 or churn@production).',
    );
  const variants = config.variants.map((v, i) => ({
    name: checkName(v.name ?? `variant-${i + 1}`, `variants[${i}].name`),
    model: checkRef(v.model, `variants[${i}].model`),
    weight: checkWeight(v.weight ?? 1, `variants[${i}]`),
  }));
  const shadow = config.shadow
    ? {
        name: checkName(config.shadow.name ?? 'shadow', 'shadow.name'),
        model: checkRef(config.shadow.model, 'shadow.model'),
      }
    : null;
  const names = [...variants.map((v) => v.name), ...(shadow ? [shadow.name] : [])];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Variant name ${twice} is used twice; each variant (and the shadow) needs its own name.`,
      { details: { variant: twice } },
    );
  const instances = config.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `instances must be an integer from 1 to ${MAX_INSTANCES} (got ${instances}).`,
    );
  const sample = config.capture?.sample;
  if (config.capture && !(typeof sample === 'number' && sample > 0 && sample <= 1))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `capture.sample must be a share in (0, 1], such as 0.1 for one request in ten (got ${JSON.stringify(sample)}).`,
    );
  await Promise.all([...variants, ...(shadow ? [shadow] : [])].map((v) => models.resolve(v.model)));
  return {
    variants,
    shadow,
    instances,
    capture: config.capture ? { sample: config.capture.sample } : null,
    description: config.description ?? null,
  };
}

function checkName(name: string, what: string): string {
  if (typeof name !== 'string' || !VARIANT_NAME.test(name))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${what} ${JSON.stringify(name)} is not a variant name: use letters, digits, - and _, starting with a letter.`,
    );
  return name;
}

function checkRef(ref: unknown, what: string): string {
  if (typeof ref !== 'string' || ref.trim() === '')
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${what} must be a model ref: churn:3, churn@production or churn.`,
    );
  return ref.trim();
}

function checkWeight(weight: unknown, what: string): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${what}: the weight must be a positive number (got ${JSON.stringify(weight)}).`,
    );
  return weight;
}

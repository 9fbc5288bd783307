import { LakeError } from '../errors/lake-error.js';
import type { ResourceKind } from '../resources/resource-kind.js';
import type { CaptureConfig, Endpoint, EndpointVariant, ShadowVariant } from './endpoint.js';

/** A checked config as stored: names and weights filled in. */
export interface EndpointRecordInput {
  name: string;
  description: string | null;
  variants: EndpointVariant[];
  shadow: ShadowVariant | null;
  instances: number;
  capture: CaptureConfig | null;
}

// Names go into URLs and table names (`<endpoint>_capture`): no dots, slashes or spaces.
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Endpoints as rows of `lb_endpoint`, variants and shadow as JSON. */
export const ENDPOINT_KIND: ResourceKind<Endpoint, EndpointRecordInput> = {
  table: 'lb_endpoint',
  eventPrefix: 'endpoint',
  normalizeName: (name) => name.toLowerCase(),
  checkName(name) {
    if (!NAME.test(name))
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid endpoint name ${JSON.stringify(name)}: use letters, digits, - and _, starting with a letter (at most 64 characters).`,
      );
  },
  encode: ({ description, variants, shadow, instances, capture }) => ({
    description,
    variants: JSON.stringify(variants),
    shadow: shadow ? JSON.stringify(shadow) : null,
    instances,
    capture: capture ? JSON.stringify(capture) : null,
  }),
  decode: (row) => ({
    name: row['name'] as string,
    description: row['description'] as string | null,
    variants: JSON.parse(row['variants'] as string) as EndpointVariant[],
    shadow: row['shadow'] ? (JSON.parse(row['shadow'] as string) as ShadowVariant) : null,
    instances: Number(row['instances']),
    capture: row['capture'] ? (JSON.parse(row['capture'] as string) as CaptureConfig) : null,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'ENDPOINT_NOT_FOUND',
      `Endpoint ${name} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Create it with lakebox endpoint create NAME --model REF.'}`,
      { details: { close } },
    ),
  exists: (name) =>
    new LakeError(
      'ENDPOINT_EXISTS',
      `Endpoint ${name} already exists; change it with lakebox endpoint update ${name}.`,
    ),
};

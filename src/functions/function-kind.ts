import { LakeError } from '../errors/lake-error.js';
import type { ResourceKind } from '../resources/resource-kind.js';

/** A function's row without its versions (the service joins the latest one). */
export interface FunctionRow {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface FunctionInput {
  name: string;
  description?: string | null;
}

// Names go into artifact keys and run names: no dots, slashes or spaces.
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Functions as rows of `lb_function`; their versions live in `lb_function_version`. */
export const FUNCTION_KIND: ResourceKind<FunctionRow, FunctionInput> = {
  table: 'lb_function',
  eventPrefix: 'function',
  normalizeName: (name) => name.toLowerCase(),
  checkName(name) {
    if (!NAME.test(name))
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid function name ${JSON.stringify(name)}: use letters, digits, - and _, starting with a letter (at most 64 characters).`,
      );
  },
  encode: ({ description }) => ({ description: description ?? null }),
  decode: (row) => ({
    name: row['name'] as string,
    description: row['description'] as string | null,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'FUNCTION_NOT_FOUND',
      `Function ${name} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Deploy it with lakebox function deploy FILE --name NAME.'}`,
      { details: { close } },
    ),
  exists: (name) => new LakeError('FUNCTION_EXISTS', `Function ${name} already exists.`),
};

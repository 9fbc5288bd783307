import type { Transaction } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { ResourceKind } from '../resources/resource-kind.js';
import type { NormalizedSpec } from './crawler-spec.js';
import type { Crawler } from './crawler-types.js';

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export type NewCrawler = NormalizedSpec & { name: string };

/** Crawlers as rows of `lb_crawler`: database and schedule as columns, the spec as JSON. */
export const CRAWLER_KIND: ResourceKind<Crawler, NewCrawler> = {
  table: 'lb_crawler',
  eventPrefix: 'crawler',
  normalizeName: (name) => (typeof name === 'string' ? name.toLowerCase() : ''),
  checkName(name) {
    if (!NAME.test(name)) {
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid crawler name ${JSON.stringify(name)}: use letters, digits, "_" and "-", starting with a letter (at most 63 characters).`,
      );
    }
  },
  encode: ({ name: _name, ...spec }) => ({
    database_name: spec.database,
    spec: JSON.stringify(spec),
    schedule: spec.schedule,
    description: spec.description,
  }),
  decode(row) {
    const spec = JSON.parse(row['spec'] as string) as NormalizedSpec;
    return {
      ...spec,
      name: row['name'] as string,
      database: row['database_name'] as string,
      schedule: row['schedule'] as string | null,
      description: row['description'] as string | null,
      createdAt: new Date(Number(row['created_at'])),
      updatedAt: new Date(Number(row['updated_at'])),
    };
  },
  notFound: (name, { close }) =>
    new LakeError(
      'CRAWLER_NOT_FOUND',
      `Crawler ${name} does not exist${close.length ? `; did you mean ${close.join(', ')}?` : '; list crawlers with lakebox crawler list.'}`,
    ),
  exists: (name) =>
    new LakeError('CRAWLER_EXISTS', `Crawler ${name} already exists; update or delete it.`),
};

/** Deletes a crawler's state with it; the tables it registered stay in the catalog. */
export async function deleteCrawlerState(
  trx: Transaction<MetaSchema>,
  name: string,
): Promise<void> {
  await trx.deleteFrom('lb_crawler_object').where('crawler_name', '=', name).execute();
  await trx.deleteFrom('lb_crawler_table').where('crawler_name', '=', name).execute();
}

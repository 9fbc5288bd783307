import type { Migration, MigrationProvider } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';
import { initialMigration } from './001-initial.js';
import { syncTasksMigration } from './002-sync-tasks.js';
import { migrationTasksMigration } from './003-migration-tasks.js';
import { crawlersMigration } from './004-crawlers.js';
import { qualityMigration } from './005-quality.js';
import { jobsMigration } from './006-jobs.js';
import { rowOriginsMigration } from './009-row-origins.js';
import { runDispatchMigration } from './011-run-dispatch.js';
import { schedulesMigration } from './013-schedules.js';
import { modelsMigration } from './014-models.js';
import { apiTokensMigration } from './016-api-tokens.js';
import { eventDeliveryMigration } from './017-event-delivery.js';
import { lakeIdentityMigration } from './018-lake-identity.js';
import { functionsMigration } from './020-functions.js';
import { triggersMigration } from './021-triggers.js';
import { objectStateMigration } from './022-object-state.js';
import { endpointsMigration } from './023-endpoints.js';

/** Migrations live in code (not files found at run time) so a bundled Lakebox carries them. */
export function migrationProvider(dialect: MetaDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initialMigration(dialect),
        '002-sync-tasks': syncTasksMigration(dialect),
        '003-migration-tasks': migrationTasksMigration(dialect),
        '004-crawlers': crawlersMigration(dialect),
        '005-quality': qualityMigration(dialect),
        '006-jobs': jobsMigration(dialect),
        '009-row-origins': rowOriginsMigration(),
        '011-run-dispatch': runDispatchMigration(),
        '013-schedules': schedulesMigration(),
        '014-models': modelsMigration(dialect),
        '016-api-tokens': apiTokensMigration(),
        '017-event-delivery': eventDeliveryMigration(dialect),
        '018-lake-identity': lakeIdentityMigration(),
        '020-functions': functionsMigration(dialect),
        '021-triggers': triggersMigration(),
        '022-object-state': objectStateMigration(),
        '023-endpoints': endpointsMigration(),
      };
    },
  };
}

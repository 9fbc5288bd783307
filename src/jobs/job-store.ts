import type { Kysely, Selectable } from 'kysely';
import { closeNames } from '../catalog/close-names.js';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { JobRow } from '../meta/schema-jobs.js';
import type { JobDefinition } from './job-spec.js';
import type { Job, JobKind } from './job-types.js';

type StoredSpec = Omit<JobDefinition, 'name' | 'kind' | 'target' | 'description'>;

/** Jobs as rows of `lb_job`: name, kind and target as columns, the rest of the spec as JSON. */
export class JobStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** @throws LakeError JOB_EXISTS unless `replace`. */
  async save(definition: JobDefinition, replace: boolean): Promise<Job> {
    const { name, kind, target, description, ...spec } = definition;
    const now = Date.now();
    const existing = await this.find(name);
    if (existing && !replace) {
      throw new LakeError(
        'JOB_EXISTS',
        `Job ${name} already exists; pick another name or replace it (--replace).`,
      );
    }
    const values = { kind, target, spec: JSON.stringify(spec satisfies StoredSpec), description };
    if (existing) {
      await this.db
        .updateTable('lb_job')
        .set({ ...values, updated_at: now })
        .where('name', '=', name)
        .execute();
    } else {
      await this.db
        .insertInto('lb_job')
        .values({ name, ...values, created_at: now, updated_at: now })
        .execute();
    }
    return this.get(name);
  }

  async find(name: string): Promise<Job | undefined> {
    const row = await this.db
      .selectFrom('lb_job')
      .selectAll()
      .where('name', '=', name.toLowerCase())
      .executeTakeFirst();
    return row && toJob(row);
  }

  /** @throws LakeError JOB_NOT_FOUND, naming close matches. */
  async get(name: string): Promise<Job> {
    const job = await this.find(name);
    if (job) return job;
    const close = closeNames(
      name.toLowerCase(),
      (await this.list()).map((j) => j.name),
    );
    throw new LakeError(
      'JOB_NOT_FOUND',
      `Job ${name} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Create it with lakebox job create.'}`,
    );
  }

  async list(): Promise<Job[]> {
    const rows = await this.db.selectFrom('lb_job').selectAll().orderBy('name').execute();
    return rows.map(toJob);
  }

  async delete(name: string): Promise<void> {
    const job = await this.get(name);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lb_job_bookmark_file').where('job_name', '=', job.name).execute();
      await trx.deleteFrom('lb_job_bookmark_entry').where('job_name', '=', job.name).execute();
      await trx.deleteFrom('lb_job').where('name', '=', job.name).execute();
    });
  }
}

function toJob(row: Selectable<JobRow>): Job {
  const spec = JSON.parse(row.spec) as StoredSpec;
  return {
    ...spec,
    schedule: spec.schedule ?? null, // jobs stored before schedules existed
    id: row.job_id,
    name: row.name,
    kind: row.kind as JobKind,
    target: row.target,
    description: row.description,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

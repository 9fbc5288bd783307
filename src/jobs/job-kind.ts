import { LakeError } from '../errors/lake-error.js';
import type { ResourceKind } from '../resources/resource-kind.js';
import type { JobDefinition } from './job-spec.js';
import type { Job, JobKind } from './job-types.js';

type StoredSpec = Omit<JobDefinition, 'name' | 'kind' | 'target' | 'description'>;

/** Jobs as rows of `lb_job`: name, kind and target as columns, the rest of the spec as JSON. */
export const JOB_KIND: ResourceKind<Job, JobDefinition> = {
  table: 'lb_job',
  eventPrefix: 'job',
  normalizeName: (name) => name.toLowerCase(),
  encode({ name: _name, kind, target, description, ...spec }) {
    return { kind, target, spec: JSON.stringify(spec satisfies StoredSpec), description };
  },
  decode(row) {
    const spec = JSON.parse(row['spec'] as string) as StoredSpec;
    return {
      ...spec,
      schedule: spec.schedule ?? null, // jobs stored before schedules existed
      id: row['job_id'] as number,
      name: row['name'] as string,
      kind: row['kind'] as JobKind,
      target: row['target'] as string,
      description: row['description'] as string | null,
      createdAt: new Date(Number(row['created_at'])),
      updatedAt: new Date(Number(row['updated_at'])),
    };
  },
  notFound: (name, { close }) =>
    new LakeError(
      'JOB_NOT_FOUND',
      `Job ${name} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Create it with lakebox job create.'}`,
    ),
  exists: (name) =>
    new LakeError(
      'JOB_EXISTS',
      `Job ${name} already exists; pick another name or replace it (--replace).`,
    ),
};

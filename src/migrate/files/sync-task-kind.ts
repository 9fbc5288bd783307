import { LakeError } from '../../errors/lake-error.js';
import type { ResourceKind } from '../../resources/resource-kind.js';
import { DEFAULT_SYNC_OPTIONS } from './sync-options.js';
import type { SyncLocation, SyncOptions, SyncTask } from './sync-types.js';

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

export type NewSyncTask = Omit<SyncTask, 'id' | 'createdAt' | 'updatedAt'>;

/** Sync tasks as rows of `lb_sync_task`; locations and options as JSON. */
export const SYNC_TASK_KIND: ResourceKind<SyncTask, NewSyncTask> = {
  table: 'lb_sync_task',
  eventPrefix: 'sync_task',
  checkName(name) {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Invalid sync task name ${JSON.stringify(name)}: use a letter, then letters, digits, "_", "." or "-" (at most 100).`,
      );
    }
  },
  encode: (task) => ({
    source: JSON.stringify(task.source),
    destination: JSON.stringify(task.destination),
    include: JSON.stringify(task.include),
    exclude: JSON.stringify(task.exclude),
    options: JSON.stringify(task.options),
    schedule: task.schedule,
  }),
  decode: (row) => ({
    id: row['task_id'] as number,
    name: row['name'] as string,
    source: JSON.parse(row['source'] as string) as SyncLocation,
    destination: JSON.parse(row['destination'] as string) as SyncLocation,
    include: JSON.parse(row['include'] as string) as string[],
    exclude: JSON.parse(row['exclude'] as string) as string[],
    options: {
      ...DEFAULT_SYNC_OPTIONS,
      ...(JSON.parse(row['options'] as string) as Partial<SyncOptions>),
    },
    schedule: row['schedule'] as string | null,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close, existing }) =>
    new LakeError(
      'SYNC_TASK_NOT_FOUND',
      `No sync task named "${name}". ${
        close.length > 0
          ? `Did you mean ${close.join(', ')}?`
          : existing.length > 0
            ? `Tasks: ${existing.slice(0, 10).join(', ')}.`
            : 'Create one with `lakebox sync create`.'
      }`,
    ),
  exists: (name) =>
    new LakeError(
      'SYNC_TASK_EXISTS',
      `A sync task named "${name}" already exists; choose another name or delete it first.`,
    ),
};

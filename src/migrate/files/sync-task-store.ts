import type { Kysely, Selectable } from 'kysely';
import { LakeError } from '../../errors/lake-error.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { SyncTaskRow } from '../../meta/schema-sync.js';
import { DEFAULT_SYNC_OPTIONS } from './sync-options.js';
import type { SyncLocation, SyncOptions, SyncTask } from './sync-types.js';

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

export type NewSyncTask = Omit<SyncTask, 'id' | 'createdAt' | 'updatedAt'>;

/** Sync task records in the metadata database (SQLite or PostgreSQL alike). */
export class SyncTaskStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** @throws LakeError SYNC_TASK_EXISTS, INVALID_ARGUMENT for a bad name. */
  async create(task: NewSyncTask): Promise<SyncTask> {
    checkName(task.name);
    const now = Date.now();
    try {
      await this.db
        .insertInto('lb_sync_task')
        .values({
          name: task.name,
          source: JSON.stringify(task.source),
          destination: JSON.stringify(task.destination),
          include: JSON.stringify(task.include),
          exclude: JSON.stringify(task.exclude),
          options: JSON.stringify(task.options),
          schedule: task.schedule,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (error) {
      if (await this.find(task.name)) {
        throw new LakeError(
          'SYNC_TASK_EXISTS',
          `A sync task named "${task.name}" already exists; choose another name or delete it first.`,
        );
      }
      throw error;
    }
    return this.get(task.name);
  }

  /** @throws LakeError SYNC_TASK_NOT_FOUND. */
  async get(name: string): Promise<SyncTask> {
    const task = await this.find(name);
    if (task) return task;
    const names = (await this.list()).map((t) => t.name);
    throw new LakeError(
      'SYNC_TASK_NOT_FOUND',
      `No sync task named "${name}". ${names.length > 0 ? `Tasks: ${names.slice(0, 10).join(', ')}.` : 'Create one with `lakebox sync create`.'}`,
    );
  }

  async find(name: string): Promise<SyncTask | undefined> {
    const row = await this.db
      .selectFrom('lb_sync_task')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toTask(row) : undefined;
  }

  async list(): Promise<SyncTask[]> {
    const rows = await this.db.selectFrom('lb_sync_task').selectAll().orderBy('name').execute();
    return rows.map(toTask);
  }

  /** @throws LakeError SYNC_TASK_NOT_FOUND. */
  async delete(name: string): Promise<void> {
    const result = await this.db
      .deleteFrom('lb_sync_task')
      .where('name', '=', name)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) await this.get(name);
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Invalid sync task name ${JSON.stringify(name)}: use a letter, then letters, digits, "_", "." or "-" (at most 100).`,
    );
  }
}

function toTask(row: Selectable<SyncTaskRow>): SyncTask {
  return {
    id: row.task_id,
    name: row.name,
    source: JSON.parse(row.source) as SyncLocation,
    destination: JSON.parse(row.destination) as SyncLocation,
    include: JSON.parse(row.include) as string[],
    exclude: JSON.parse(row.exclude) as string[],
    options: { ...DEFAULT_SYNC_OPTIONS, ...(JSON.parse(row.options) as Partial<SyncOptions>) },
    schedule: row.schedule,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

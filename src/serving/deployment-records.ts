import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { CaptureStats } from './capture-writer.js';
import type { EndpointDeployment, ServedVariant, VariantTraffic } from './endpoint.js';

export interface DeploymentNote {
  readonly state: 'serving' | 'failed';
  /** What serves now: the new variants, or after a failure the ones before (null if none). */
  readonly serving: readonly ServedVariant[] | null;
  readonly configAt: number;
  readonly error: string | null;
  readonly host: string;
}

/**
 * `lb_endpoint_deployment`: one row per endpoint, what a serving process last did with it
 * (written by the host, read by `lake.endpoints.status`).
 */
export class DeploymentRecords {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  async note(endpoint: string, note: DeploymentNote): Promise<void> {
    const row = {
      state: note.state,
      serving: note.serving ? JSON.stringify(note.serving) : null,
      config_at: note.configAt,
      error: note.error,
      host: note.host,
      updated_at: Date.now(),
    };
    await this.db
      .insertInto('lb_endpoint_deployment')
      .values({ endpoint_name: endpoint, ...row })
      .onConflict((c) => c.column('endpoint_name').doUpdateSet(row))
      .execute();
  }

  async get(endpoint: string): Promise<EndpointDeployment | null> {
    const row = await this.db
      .selectFrom('lb_endpoint_deployment')
      .selectAll()
      .where('endpoint_name', '=', endpoint)
      .executeTakeFirst();
    if (!row) return null;
    return {
      state: row.state as 'serving' | 'failed',
      serving: row.serving ? (JSON.parse(row.serving) as ServedVariant[]) : null,
      error: row.error,
      host: row.host,
      updatedAt: new Date(Number(row.updated_at)),
      traffic: row.traffic ? (JSON.parse(row.traffic) as VariantTraffic[]) : [],
      capture: row.capture ? (JSON.parse(row.capture) as CaptureStats) : null,
    };
  }

  /** The host's counts, on its row (a row another host took over is left alone). */
  async traffic(
    endpoint: string,
    host: string,
    traffic: readonly VariantTraffic[],
    capture: CaptureStats | null,
  ): Promise<void> {
    await this.db
      .updateTable('lb_endpoint_deployment')
      .set({ traffic: JSON.stringify(traffic), capture: capture ? JSON.stringify(capture) : null })
      .where('endpoint_name', '=', endpoint)
      .where('host', '=', host)
      .execute();
  }

  async delete(endpoint: string): Promise<void> {
    await this.db
      .deleteFrom('lb_endpoint_deployment')
      .where('endpoint_name', '=', endpoint)
      .execute();
  }
}

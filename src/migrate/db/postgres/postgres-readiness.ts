import type pg from 'pg';
import type { ConnectionCheck } from '../source.js';

/**
 * What logical replication needs from the server and the user: `wal_level = logical`, the
 * REPLICATION attribute (or superuser), and a free replication slot. Each failing check is
 * one line naming the fix.
 */
export async function checkReplicationReadiness(
  client: pg.Client,
  source: string,
): Promise<ConnectionCheck[]> {
  const { rows } = await client.query<{
    wal_level: string;
    can_replicate: boolean;
    user: string;
    max_slots: number;
    used_slots: number;
  }>(
    `select current_setting('wal_level') as wal_level,
            coalesce((select rolreplication or rolsuper from pg_roles where rolname = current_user), false) as can_replicate,
            current_user as user,
            current_setting('max_replication_slots')::int as max_slots,
            (select count(*)::int from pg_replication_slots) as used_slots`,
  );
  const r = rows[0]!;
  const free = r.max_slots - r.used_slots;
  return [
    r.wal_level === 'logical'
      ? { check: 'wal_level', ok: true, message: 'wal_level is logical' }
      : {
          check: 'wal_level',
          ok: false,
          message: `Source ${source}: wal_level is ${r.wal_level}, CDC needs logical; run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL.`,
        },
    r.can_replicate
      ? { check: 'replication_permission', ok: true, message: `${r.user} may replicate` }
      : {
          check: 'replication_permission',
          ok: false,
          message: `Source ${source}: user ${r.user} lacks the REPLICATION attribute; run ALTER ROLE ${r.user} WITH REPLICATION as a superuser.`,
        },
    free > 0
      ? {
          check: 'replication_slots',
          ok: true,
          message: `${free} of ${r.max_slots} replication slots free`,
        }
      : {
          check: 'replication_slots',
          ok: false,
          message: `Source ${source}: all ${r.max_slots} replication slots are in use; drop unused ones (pg_drop_replication_slot) or raise max_replication_slots and restart PostgreSQL.`,
        },
  ];
}

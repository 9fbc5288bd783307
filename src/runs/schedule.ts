import { Cron } from 'croner';
import { LakeError } from '../errors/lake-error.js';

/** A parsed cron schedule: its ticks in a time zone (UTC unless it names one). */
export interface Schedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first tick strictly after `after`, or null when the schedule ends. */
  next(after: Date): Date | null;
}

const TZ_PREFIX = /^CRON_TZ=(\S+)\s+/;

/**
 * Parses `0 3 * * *` (minutes), `*\/10 * * * * *` (with seconds) or `CRON_TZ=Europe/Berlin
 * 0 3 * * *`. Ticks are croner's: in a time zone's skipped hour the tick fires once at the
 * hour's end, in its repeated hour once, at the first occurrence.
 *
 * @example parseSchedule('CRON_TZ=Europe/Berlin 30 2 * * *').next(new Date())
 * @throws LakeError INVALID_ARGUMENT for an expression or time zone croner cannot read.
 */
export function parseSchedule(text: string, defaultTimeZone = 'UTC'): Schedule {
  const zone = TZ_PREFIX.exec(text.trim());
  const timeZone = zone?.[1] ?? defaultTimeZone;
  const expression = zone ? text.trim().slice(zone[0].length) : text.trim();
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone: timeZone, paused: true });
    cron.nextRun(new Date());
  } catch (error) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The schedule "${text}" is not a cron expression Lakebox can read (${error instanceof Error ? error.message : String(error)}); write five fields (minute hour day month weekday), six with seconds first, optionally after CRON_TZ=<IANA zone>.`,
      { cause: error },
    );
  }
  return {
    expression,
    timeZone,
    next: (after) => cron.nextRun(after),
  };
}

/**
 * The stored form of a resource's schedule: trimmed, null when empty.
 *
 * @throws LakeError INVALID_ARGUMENT when `parseSchedule` cannot read it.
 */
export function checkSchedule(schedule: string | null | undefined): string | null {
  const text = schedule?.trim();
  if (!text) return null;
  parseSchedule(text);
  return text;
}

import type { Lake } from './lake.js';
import { parseSchedule } from './runs/schedule.js';
import type { ScheduleSource, ScheduledResource } from './runs/scheduler.js';

/** A cron schedule of the lake (`<kind>:<name>`) and when it fires next. */
export interface ScheduleInfo {
  key: string;
  schedule: string;
  timeZone: string | null;
  next: Date | null;
  error?: string;
}

/**
 * The resources that carry a cron schedule, read through the SDK at every look: sync tasks
 * crawlers and jobs. A tick starts the resource as `start` would (its concurrency rules apply).
 */
export function scheduledResources(lake: Lake): ScheduleSource {
  return {
    async list() {
      const [tasks, crawlers, jobs] = await Promise.all([
        lake.sync.listTasks(),
        lake.crawlers.list(),
        lake.jobs.list(),
      ]);
      const resources: ScheduledResource[] = [];
      for (const task of tasks) {
        if (task.schedule) {
          resources.push({
            key: `sync:${task.name}`,
            schedule: task.schedule,
            start: (_tick, idempotencyKey) => lake.sync.start(task.name, { idempotencyKey }),
          });
        }
      }
      for (const crawler of crawlers) {
        if (crawler.schedule) {
          resources.push({
            key: `crawl:${crawler.name}`,
            schedule: crawler.schedule,
            start: (_tick, idempotencyKey) => lake.crawlers.start(crawler.name, { idempotencyKey }),
          });
        }
      }
      for (const job of jobs) {
        if (job.schedule) {
          resources.push({
            key: `job:${job.name}`,
            schedule: job.schedule,
            start: (_tick, idempotencyKey) => lake.jobs.start(job.name, { idempotencyKey }),
          });
        }
      }
      return resources;
    },
  };
}

/** Each resource's next tick after `now`, soonest first; an unreadable one says why. */
export function describeSchedules(resources: ScheduledResource[], now: Date): ScheduleInfo[] {
  return resources
    .map(({ key, schedule: text }): ScheduleInfo => {
      try {
        const schedule = parseSchedule(text);
        return { key, schedule: text, timeZone: schedule.timeZone, next: schedule.next(now) };
      } catch (error) {
        return { key, schedule: text, timeZone: null, next: null, error: (error as Error).message };
      }
    })
    .sort((a, b) => (a.next?.getTime() ?? Infinity) - (b.next?.getTime() ?? Infinity));
}

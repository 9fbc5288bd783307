import type { Lake } from './lake.js';
import type { ScheduleSource, ScheduledResource } from './runs/scheduler.js';

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
            start: () => lake.sync.start(task.name),
          });
        }
      }
      for (const crawler of crawlers) {
        if (crawler.schedule) {
          resources.push({
            key: `crawl:${crawler.name}`,
            schedule: crawler.schedule,
            start: () => lake.crawlers.start(crawler.name),
          });
        }
      }
      for (const job of jobs) {
        if (job.schedule) {
          resources.push({
            key: `job:${job.name}`,
            schedule: job.schedule,
            start: () => lake.jobs.start(job.name),
          });
        }
      }
      return resources;
    },
  };
}

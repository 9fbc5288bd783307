import type { ObjectScanCounts } from './object-scanner.js';

/**
 * One line for people about what a scan found, or undefined when it announced and recorded
 * nothing: long-running processes log only scans that found something, and an object still
 * being written is news only once it is announced (unless `withUnsettled`, for one-off scans).
 *
 * @example scanSummary({ listed: 9, created: 2, changed: 0, removed: 1, baselined: 0, unsettled: 0 });
 * // 'announced 2 new, 0 changed and 1 removed object(s) of 9 listed'
 */
export function scanSummary(counts: ObjectScanCounts, withUnsettled = false): string | undefined {
  const parts: string[] = [];
  if (counts.created + counts.changed + counts.removed > 0)
    parts.push(
      `announced ${counts.created} new, ${counts.changed} changed and ${counts.removed} removed object(s) of ${counts.listed} listed`,
    );
  if (counts.baselined > 0)
    parts.push(`recorded ${counts.baselined} object(s) already there, without events`);
  if (counts.unsettled > 0 && (withUnsettled || parts.length > 0))
    parts.push(`${counts.unsettled} object(s) still changing, announced once they settle`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

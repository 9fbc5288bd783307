export { SyncService, SYNC_RUN_KIND, toExecution, type SyncReportQuery } from './sync-service.js';
export { parseLocation, describeLocation } from './sync-location.js';
export { DEFAULT_SYNC_OPTIONS } from './sync-options.js';
export type * from './sync-types.js';

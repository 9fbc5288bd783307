/**
 * The table that file loads set the rows they cannot read aside in, one per database
 * (`<database>.load_rejects`), as migration tasks do with `migration_rejects`. Its own
 * module so that the CLI can name it without loading the engine.
 */
export const LOAD_REJECTS_TABLE = 'load_rejects';

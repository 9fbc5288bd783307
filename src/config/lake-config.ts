import { z } from 'zod';

/** The lake config file, `lakebox.json` in the lake directory. Secrets are `${env:NAME}`. */
export const CONFIG_FILE = 'lakebox.json';

const localStorage = z
  .object({
    type: z.literal('local'),
    /** Root of the zones; relative paths are relative to the lake directory. Default: the lake directory. */
    path: z.string().min(1).optional(),
  })
  .strict();

const s3Storage = z
  .object({
    type: z.literal('s3'),
    /** `s3://bucket/optional/prefix` */
    uri: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
        'must look like s3://bucket/prefix',
      ),
    endpoint: z.string().url().optional(),
    region: z.string().min(1).default('us-east-1'),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    forcePathStyle: z.boolean().optional(),
  })
  .strict();

const sqliteMetadata = z
  .object({
    type: z.literal('sqlite'),
    /** Relative paths are relative to the lake directory. */
    path: z.string().min(1).default('.lakebox/meta.db'),
  })
  .strict();

const postgresMetadata = z
  .object({
    type: z.literal('postgres'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    poolSize: z.number().int().positive().optional(),
  })
  .strict();

export const lakeConfigSchema = z
  .object({
    version: z.literal(1),
    /**
     * The lake's id, written by init here and into its metadata database: a process whose
     * metadata URL names another lake's database is refused. Lakes made before ids have none.
     */
    id: z
      .string()
      .regex(
        /^lake_[0-9a-f]{8,64}$/,
        'must be the id that init wrote, such as lake_3f9a02c1d4e5b6a7c8d9',
      )
      .optional(),
    storage: z.discriminatedUnion('type', [localStorage, s3Storage]).default({ type: 'local' }),
    metadata: z
      .discriminatedUnion('type', [sqliteMetadata, postgresMetadata])
      .default({ type: 'sqlite', path: '.lakebox/meta.db' }),
    engine: z
      .object({
        threads: z.number().int().positive().optional(),
        memoryLimit: z
          .string()
          .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 4GB')
          .optional(),
        /**
         * Whether SQL may read files and the network beyond the lake's tables (read_csv of a
         * path, a URL). On by default for the embedded CLI; when false, every query is
         * sandboxed. Callers (the HTTP server) may turn it off per query, never on.
         */
        externalAccess: z.boolean().default(true),
      })
      .strict()
      .default({ externalAccess: true }),
    executor: z
      .object({
        /**
         * `embedded`: runs run in the process that starts them (or a detached worker).
         * `workers`: runs are queued in PostgreSQL for `lakebox worker` processes.
         */
        mode: z.enum(['embedded', 'workers']).default('embedded'),
        concurrency: z.number().int().positive().default(4),
        heartbeatMs: z.number().int().min(50).default(1000),
        /** A worker whose heartbeat is older than this is lost and its runs retried. */
        lostAfterMs: z.number().int().min(200).default(15_000),
      })
      .strict()
      .refine((e) => e.lostAfterMs >= 3 * e.heartbeatMs, {
        message: 'lostAfterMs must be at least 3 heartbeats (3 × heartbeatMs)',
      })
      .default({ mode: 'embedded', concurrency: 4, heartbeatMs: 1000, lostAfterMs: 15_000 }),
    events: z
      .object({
        /**
         * Events older than this many days are deleted by `lakebox serve` (hourly), except
         * those a durable consumer has not yet passed. 0 keeps every event.
         */
        retentionDays: z.number().min(0).default(30),
        /**
         * Every how many seconds `lakebox serve` and `lakebox watch` list every zone again to
         * find objects that arrived or left by other means than the lake (a local zone is also
         * watched, so this only catches what watching missed).
         */
        scanEverySec: z.number().min(1).default(30),
        /** Whether `lakebox serve` raises events for such objects. */
        watchObjects: z.boolean().default(true),
      })
      .strict()
      .default({ retentionDays: 30, scanEverySec: 30, watchObjects: true }),
    triggers: z
      .object({
        /**
         * Deliveries in a row a chain of triggers may make (a trigger's target raising an
         * event that another, or the same, trigger delivers): the next one is stopped.
         */
        maxChainDepth: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .default({ maxChainDepth: 5 }),
  })
  .strict();

export type LakeConfig = z.infer<typeof lakeConfigSchema>;
/** The engine settings as written in lakebox.json (defaults not yet applied). */
export type EngineSettings = z.input<typeof lakeConfigSchema>['engine'];
export type StorageConfig = LakeConfig['storage'];
export type MetadataConfig = LakeConfig['metadata'];

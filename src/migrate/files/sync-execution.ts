import { runPool } from '../../concurrency/run-pool.js';
import { isLakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { RunContext, RunOutcome } from '../../runs/run-executor.js';
import { S3EtagHasher } from '../../storage/s3-etag.js';
import { BandwidthLimiter } from './bandwidth-limiter.js';
import { counting, hashing } from './byte-streams.js';
import { CHECKSUM_ALGORITHM, startChecksum } from './content-checksum.js';
import { openSyncTree } from './open-sync-tree.js';
import { SyncChecksums } from './sync-checksums.js';
import { isLocationFailure, SyncFileError } from './sync-file-error.js';
import { loadFileStates, SyncJournal, type FileState, type RecordedState } from './sync-journal.js';
import { describeLocation, pairKey } from './sync-location.js';
import { listFiles, listSource } from './sync-listing.js';
import { pathFilter } from './sync-options.js';
import { SyncProgress } from './sync-progress.js';
import type { SyncTree, TreeEntry, WrittenFile } from './sync-tree.js';
import type { SyncLocation, SyncOptions } from './sync-types.js';
import { acrossFolders } from './transfer-order.js';

/** What a run of kind `sync` is given: a snapshot of the task it runs, or a one-shot spec. */
export interface SyncRunParameters {
  task: string | null;
  source: SyncLocation;
  destination: SyncLocation;
  include: string[];
  exclude: string[];
  options: SyncOptions;
}

/** Test seams: latches at points of an execution (never set in production). */
export interface SyncHooks {
  beforeTransfer?: (path: string) => Promise<void>;
}

/** Bytes to hash from which checksums of local files are taken on worker threads. */
const HASH_ON_THREADS_FROM = 32 * 1024 * 1024;

/** Larger files stream, so that progress moves and cancellation stops them midway. */
const COPY_IN_MAX = 64 * 1024 * 1024;

/** Batches of the source looked up at the destination before the walk waits for the first. */
const LOOKUP_BATCHES_AHEAD = 4;

interface Transferred {
  entry: TreeEntry;
  size: number;
  /** The source's, as it streamed; taken when verifying when it was copied locally. */
  checksum?: string;
  /** The version the destination gave the file, and the one foreseen from what was sent. */
  version?: string;
  expectedVersion?: string;
}

/**
 * One sync execution: lists both sides (phase `listing`), compares them with what the last
 * transfers recorded, moves what is new or changed and mirrors deletions (`transferring`),
 * then compares checksums (`verifying`). Per-file failures are reported and the rest goes on;
 * an unreachable location or refused credentials end the execution at once.
 */
export async function executeSync(
  services: LakeServices,
  ctx: RunContext,
  hooks: SyncHooks = {},
): Promise<RunOutcome> {
  const params = ctx.parameters as unknown as SyncRunParameters;
  const { options } = params;
  const progress = new SyncProgress(ctx);
  const counters = progress.counters;
  const pair = pairKey(params.source, params.destination);
  const journal = new SyncJournal(services.db, services.events, ctx.run.id, pair);
  const treeOptions = { fsync: options.fsync, preserveMtime: options.preserveMtime };
  const trees: SyncTree[] = [];
  let checksums: SyncChecksums | undefined;
  try {
    const source = await openSyncTree(services, params.source, { role: 'source', ...treeOptions });
    trees.push(source);
    const destination = await openSyncTree(services, params.destination, {
      role: 'destination',
      ...treeOptions,
    });
    trees.push(destination);
    await ctx.info(
      `sync ${describeLocation(params.source)} → ${describeLocation(params.destination)}`,
    );

    // Listing: both sides at once, and what the last transfers recorded, in one query. Unless
    // deletions are mirrored, only the source's files matter at the destination: a local one
    // is asked for those by name, batch by batch as the source's walk finds them, which costs
    // less than walking all of it.
    progress.enter('listing');
    const wanted = pathFilter(params.include, params.exclude);
    const byName = options.deleted !== 'mirror' && destination.statFiles;
    const lookups: Promise<Map<string, TreeEntry>>[] = [];
    const lookUp = async (paths: string[]) => {
      lookups.push(destination.statFiles!(paths));
      // A destination slower to answer than the source: the walk waits, a few batches ahead.
      await lookups.at(-1 - LOOKUP_BATCHES_AHEAD);
    };
    const [listed, listedDestination, states] = await Promise.all([
      listSource(source, wanted, destination, progress, journal, byName ? lookUp : undefined),
      byName ? undefined : listFiles(destination),
      loadFileStates(services.db, pair),
    ]);
    const destinationFiles =
      listedDestination ?? new Map((await Promise.all(lookups)).flatMap((found) => [...found]));
    ctx.throwIfCancelled();

    // Compare.
    const transfers: TreeEntry[] = [];
    const compares: TreeEntry[] = [];
    const present: TreeEntry[] = []; // at the destination and believed current: verify `all` checks them
    for (const entry of listed.files.values()) {
      const existing = destinationFiles.get(entry.path);
      if (!existing) {
        transfers.push(entry);
      } else if (options.overwrite === 'never') {
        // Only a file that would move is reported: what this task put there and nobody changed
        // since is unchanged, counted not listed (and verified by verify `all`), run after run.
        if (options.transferMode !== 'all' && looksUnchanged(entry, existing)) unchanged(entry);
        else
          skip(entry, 'EXISTS', `${entry.path} exists at the destination and overwrite is "never"`);
      } else if (options.transferMode === 'all') {
        transfers.push(entry);
      } else if (options.compare === 'checksum') {
        compares.push(entry);
      } else if (looksUnchanged(entry, existing)) {
        unchanged(entry);
      } else {
        transfers.push(entry);
      }
    }
    /** Size, mtime and destination version as the last transfer recorded them. */
    function looksUnchanged(entry: TreeEntry, existing: TreeEntry): boolean {
      const state = states.get(entry.path);
      if (state) return isCurrent(state, entry, existing);
      if (!destination.keepsMtime || !sameSizeAndMtime(entry, existing)) return false;
      // Copied by a run that died before recording it (or put there by hand): record it,
      // and announce it in the lake, since the dead run's event may never have been written.
      if (destination.objectKey)
        journal.objectCreated(destination.objectKey(entry.path), existing.size, existing.version);
      journal.recordState(entry.path, stateOf(entry, existing.version, null));
      return true;
    }
    function skip(entry: TreeEntry, code: string, message: string): void {
      counters.filesSkipped += 1;
      counters.bytesSkipped += entry.size;
      journal.report(entry.path, 'skipped', entry.size, code, message);
    }
    function unchanged(entry: TreeEntry): void {
      counters.filesSkipped += 1;
      counters.bytesSkipped += entry.size;
      present.push(entry);
    }

    // Transfer.
    progress.filesToTransfer = transfers.length + compares.length;
    progress.bytesToTransfer = sum(transfers) + sum(compares);
    progress.enter('transferring');
    const limiter = options.bandwidthLimit
      ? new BandwidthLimiter(options.bandwidthLimit)
      : undefined;
    const transferred: Transferred[] = [];
    const { signal } = ctx;

    // Between two local directories the kernel copies (SyncTree.copyIn) and checksums are
    // taken on worker threads (FileHasher), so copying and hashing use every core.
    const copyLocally = !limiter && source.localFile && destination.copyIn;
    // Worker threads pay for their start-up (some 20 ms) only with enough bytes to hash.
    const bytesToHash =
      2 *
      (sum(compares) +
        (options.verify === 'none' ? 0 : sum(transfers)) +
        (options.verify === 'all' ? sum(present) : 0));
    checksums = new SyncChecksums(bytesToHash >= HASH_ON_THREADS_FROM, signal);
    // Between local trees every check runs on the hasher's threads: no end is a server that
    // thousands of checks at once could swamp.
    const allOnThreads = checksums.onThreads && Boolean(source.localFile && destination.localFile);
    const verifications: Promise<void>[] = [];
    const transfer = async (entry: TreeEntry): Promise<void> => {
      await hooks.beforeTransfer?.(entry.path);
      if (copyLocally && entry.size <= COPY_IN_MAX) {
        signal.throwIfAborted();
        const written = await destination.copyIn!(source.localFile!(entry.path), entry);
        if (written) {
          counters.bytesTransferred += written.size;
          return transferredOne(entry, written, undefined);
        }
      }
      const hash = await startChecksum();
      const etag = destination.etagPartSize
        ? new S3EtagHasher(destination.etagPartSize)
        : undefined;
      let moved = 0;
      let body: AsyncIterable<Buffer> = hashing(source.read(entry), hash, etag);
      if (limiter) body = limiter.throttle(body, signal);
      body = counting(body, signal, (bytes) => {
        moved += bytes;
        counters.bytesTransferred += bytes;
      });
      try {
        const written = await destination.write(entry.path, body, entry);
        transferredOne(entry, written, hash.digest(), etag?.digest());
      } catch (error) {
        counters.bytesTransferred -= moved;
        throw error;
      }
    };
    /** `checksum` is the source's as it streamed; undefined when it is taken when verifying. */
    function transferredOne(
      entry: TreeEntry,
      written: WrittenFile,
      checksum: string | undefined,
      expectedVersion?: string,
    ): void {
      counters.filesTransferred += 1;
      // The event is journaled before the state: a batch boundary between them must never
      // leave a file recorded as copied whose event was lost with the next batch.
      if (destination.objectKey)
        journal.objectCreated(destination.objectKey(entry.path), written.size, written.version);
      journal.recordState(entry.path, stateOf(entry, written.version, checksum ?? null));
      journal.report(entry.path, 'transferred', written.size);
      const job = {
        entry,
        size: written.size,
        checksum,
        version: written.version,
        expectedVersion,
      };
      // On the hasher's threads the check runs while copying goes on.
      if (options.verify !== 'none' && allOnThreads) {
        const verified = verifyOne(job);
        verified.catch(() => undefined); // awaited in the verify phase; a cancelled run never gets there
        verifications.push(verified);
      } else {
        transferred.push(job);
      }
    }
    // Compare mode: checksums of both sides decide which files move.
    await runPool(
      compares,
      allOnThreads ? compares.length : options.concurrency,
      signal,
      async (entry) => {
        const existing = destinationFiles.get(entry.path)!;
        const sums = await checksumPair(entry, existing);
        if (!sums) return;
        if (sums.source !== sums.destination) return void transfers.push(entry);
        unchanged(entry);
        journal.recordState(entry.path, stateOf(entry, existing.version, sums.source));
      },
    );
    ctx.throwIfCancelled();
    await runPool(acrossFolders(transfers), options.concurrency, signal, (entry) =>
      perFile(entry.path, () => transfer(entry)),
    );
    ctx.throwIfCancelled();

    if (options.deleted === 'mirror') {
      if (listed.complete) {
        const doomed = [...destinationFiles.keys()].filter(
          (path) => wanted(path) && !listed.seen.has(path),
        );
        await runPool(doomed, options.concurrency, signal, (path) =>
          perFile(path, async () => {
            await destination.delete(path);
            counters.filesDeleted += 1;
            journal.forgetState(path);
            journal.report(path, 'deleted', 0);
            if (destination.objectKey) journal.objectRemoved(destination.objectKey(path));
          }),
        );
      } else {
        await ctx.log('warn', 'deleted nothing: part of the source could not be listed');
      }
    }
    ctx.throwIfCancelled();

    // Verify: checksums of what moved (the source's taken while it streamed, unless it was
    // copied locally), or of everything.
    if (options.verify !== 'none') {
      progress.enter('verifying');
      const jobs: Transferred[] = [...transferred];
      if (options.verify === 'all')
        jobs.push(...present.map((entry) => ({ entry, size: entry.size })));
      await runPool(
        jobs,
        allOnThreads ? jobs.length : Math.min(options.concurrency, 8),
        signal,
        (job) => verifyOne(job),
      );
      await Promise.all(verifications);
      ctx.throwIfCancelled();
    }

    progress.enter('done');
    await journal.flush();
    const failed = counters.filesFailed > 0 || !listed.complete;
    return {
      status: failed ? 'succeeded_with_errors' : 'succeeded',
      metrics: { ...progress.metrics(), etaSeconds: 0 },
    };
  } finally {
    await progress.stop().catch(() => undefined);
    await journal
      .flush()
      .catch((error: unknown) => ctx.log('error', `cannot record the report: ${String(error)}`));
    for (const tree of trees) await tree.close().catch(() => undefined);
    await checksums?.close();
  }

  /** Checks one file's checksums at both ends, and records the outcome. */
  async function verifyOne(job: Transferred): Promise<void> {
    // S3 computed the object's MD5 as it arrived: the one foreseen says it is intact.
    if (job.expectedVersion !== undefined && job.expectedVersion === job.version) {
      counters.filesVerified += 1;
      return;
    }
    const sums = await checksumPair(job.entry, { ...job.entry, size: job.size }, job.checksum);
    if (!sums) return;
    if (sums.source === sums.destination) {
      counters.filesVerified += 1;
      return;
    }
    counters.filesFailed += 1;
    // A version no file has, so that the next run copies it again (a missing state would
    // let matching size and mtime pass it as unchanged).
    journal.recordState(job.entry.path, stateOf(job.entry, 'checksum-mismatch', null));
    journal.report(
      job.entry.path,
      'verify_failed',
      job.size,
      'CHECKSUM_MISMATCH',
      `the destination's checksum (${CHECKSUM_ALGORITHM} ${sums.destination.slice(0, 16)}…) differs from the source's (${sums.source.slice(0, 16)}…)`,
    );
  }

  /**
   * The checksums of a file at both ends (the source's taken already, or now); undefined,
   * with the file reported failed, when either end cannot be read.
   */
  async function checksumPair(
    entry: TreeEntry,
    atDestination: TreeEntry,
    sourceChecksum?: string,
  ): Promise<{ source: string; destination: string } | undefined> {
    const [source, destination] = trees as [SyncTree, SyncTree];
    const [sourceSum, destinationSum] = await Promise.all([
      sourceChecksum ?? checksums!.of(source, entry),
      checksums!.of(destination, atDestination),
    ]);
    for (const sum of [sourceSum, destinationSum]) {
      if (sum instanceof SyncFileError) {
        fail(entry.path, sum);
        return undefined;
      }
    }
    return { source: sourceSum as string, destination: destinationSum as string };
  }

  function fail(path: string, error: SyncFileError): void {
    counters.filesFailed += 1;
    journal.report(path, 'failed', 0, error.code, error.message);
  }

  /** Runs one file's work; a failure of that file is reported, a fatal one rethrown. */
  async function perFile(path: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (ctx.signal.aborted) return;
      if (isLocationFailure(error)) throw error;
      const code =
        error instanceof SyncFileError ? error.code : isLakeError(error) ? error.code : 'INTERNAL';
      const message = error instanceof Error ? error.message : String(error);
      counters.filesFailed += 1;
      journal.report(path, 'failed', 0, code, message);
    }
  }
}

function isCurrent(state: FileState, source: TreeEntry, destination: TreeEntry): boolean {
  return (
    state.sourceSize === source.size &&
    state.sourceMtime === Math.floor(source.mtimeMs) &&
    state.destinationVersion === destination.version
  );
}

function sameSizeAndMtime(source: TreeEntry, destination: TreeEntry): boolean {
  return (
    source.size === destination.size &&
    Math.floor(source.mtimeMs) === Math.floor(destination.mtimeMs)
  );
}

function stateOf(entry: TreeEntry, version: string, checksum: string | null): RecordedState {
  return {
    sourceSize: entry.size,
    sourceMtime: Math.floor(entry.mtimeMs),
    destinationVersion: version,
    checksum,
  };
}

function sum(entries: TreeEntry[]): number {
  return entries.reduce((total, entry) => total + entry.size, 0);
}

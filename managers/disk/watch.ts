import { Watchers } from "../../src/index.js";

/** What {@link DiskWatches} reads and asks. */
export interface WatchSource {
  /** Whether this process runs the job now: its own writes will tell its watches. */
  isLocal(jobId: string): boolean;
  /** The file's `data_version` on this process's connection. */
  dataVersion(): Promise<number>;
  /** A version per job that changes with each news (see `JobTable.versions`). */
  versions(jobIds: readonly string[]): Promise<Map<string, string>>;
  error(error: unknown): void;
}

/** How long a job's last read version is kept after its last watch ended, as the next watch's baseline. */
const KEEP_SEEN_MS = 10_000;
const PRUNE_EVERY_MS = 1_000;
/** How many started jobs of this process are remembered, so that their progress does not count as the queue moving. */
const STARTED_MAX = 4_096;
/**
 * The shortest time between two wakes of the queue watches of other processes' jobs: any write to
 * the file (progress too) may be their queue moving, so a busy file wakes them no more often than
 * the app server's timer would read their positions.
 */
const FOREIGN_MOVES_EVERY_MS = 200;

/**
 * `watch` for the DiskManager. Jobs this process runs are told by its own writes (`notify` once
 * a write has landed, so a `take` woken by it finds the write). Jobs of other processes are
 * watched by one loop per manager that runs only while such a watch is pending: every `pollMs`
 * it reads the connection's `data_version` (no table read), and only when another connection
 * committed something since the last tick does it read the versions of the watched jobs, in one
 * statement, and wake those whose version moved.
 *
 * No news is missed: each tick compares against a read made before it, so a change committed
 * after a watch began shows up at the latest at the tick after it. A job without an earlier read
 * has no baseline to compare with: its first watch makes the loop read it at once and wakes
 * (early, which the contract allows); the watch that follows compares with that read.
 *
 * A queue watch (`{ queue: true }`) also wakes when the queue moves. A job of this process waits in
 * this process's queue: its watch wakes when one of this process's jobs starts or leaves the queue.
 * A job of another process waits in that one's: its watch wakes at a loop tick that sees another
 * connection committed something, at most once per {@link FOREIGN_MOVES_EVERY_MS} (a commit seen
 * meanwhile wakes it at the first tick after that).
 */
export class DiskWatches {
  readonly #watchers = new Watchers();
  /** Watches of this process's jobs that wait for the outcome only: a start or progress leaves them pending. */
  readonly #outcomes = new Watchers();
  /** Queue watches of this process's jobs: they also end when this process's queue moves. */
  readonly #moves = new Watchers();
  /** Pending queue watches of other processes' jobs, per job: any commit of another connection wakes them. */
  readonly #foreignMoves = new Map<string, number>();
  /** This process's jobs whose start was told and whose end was not, oldest first. */
  readonly #started = new Set<string>();
  /** Another connection committed since the queue watches of other processes' jobs last woke. */
  #foreignMoved = false;
  #foreignWokenAt = 0;
  readonly #source: WatchSource;
  readonly #pollMs: number;
  /** Versions read at the latest ticks, per job: the baselines. */
  readonly #seen = new Map<string, { version: string; at: number }>();
  #dataVersion: number | undefined;
  /** Pending watches that need the loop (their job was another process's when they began). */
  #polled = 0;
  /** Watched jobs of other processes without a baseline yet: the next tick reads them whatever changed. */
  readonly #unread = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #soon = false;
  #prunedAt = 0;
  #ticking = false;
  #closed = false;

  constructor(source: WatchSource, pollMs: number) {
    this.#source = source;
    this.#pollMs = pollMs;
  }

  /** Pending watches. */
  get size(): number {
    return this.#watchers.size + this.#outcomes.size + this.#moves.size;
  }

  /** Whether the loop for other processes' jobs is scheduled or running. */
  get polling(): boolean {
    return this.#timer !== undefined || this.#ticking;
  }

  /**
   * `outcome`: wait for the outcome only (a job of another process still wakes at any news);
   * `queue`: wake when the queue moves too.
   */
  watch(jobId: string, signal: AbortSignal, outcome = false, queue = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const local = this.#source.isLocal(jobId);
    if (local) return (queue ? this.#moves : outcome ? this.#outcomes : this.#watchers).watch(jobId, signal);
    const done = this.#watchers.watch(jobId, signal);
    this.#polled++;
    if (queue) this.#foreignMoves.set(jobId, (this.#foreignMoves.get(jobId) ?? 0) + 1);
    const unread = !this.#seen.has(jobId);
    if (unread) this.#unread.add(jobId);
    this.#schedule(unread);
    return done.then(() => {
      if (queue) {
        const left = (this.#foreignMoves.get(jobId) ?? 1) - 1;
        if (left > 0) this.#foreignMoves.set(jobId, left);
        else this.#foreignMoves.delete(jobId);
      }
      // The last watch that needed the loop is gone: nothing stays scheduled behind it.
      if (--this.#polled === 0 && !this.#ticking) {
        this.#stop();
        this.#unread.clear();
      }
    });
  }

  /** The job may have ended: wakes all its watches; one not told started left the queue. */
  notify(jobId: string): void {
    this.#watchers.notify(jobId);
    this.#outcomes.notify(jobId);
    this.#moves.notify(jobId);
    if (!this.#started.delete(jobId)) this.#moves.closeAll();
  }

  /** This process's job started, or a write of its progress or side updates landed, and it has no outcome. */
  news(jobId: string): void {
    this.#watchers.notify(jobId);
    this.#moves.notify(jobId);
    if (this.#started.has(jobId)) return;
    // Its first news is its start: the queue moved.
    this.#started.add(jobId);
    if (this.#started.size > STARTED_MAX) this.#started.delete(this.#started.values().next().value as string);
    this.#moves.closeAll();
  }

  /** Wakes every watch and stops the loop; later watches resolve at once. */
  close(): void {
    this.#closed = true;
    this.#stop();
    this.#watchers.closeAll();
    this.#outcomes.closeAll();
    this.#moves.closeAll();
    this.#started.clear();
    this.#seen.clear();
    this.#unread.clear();
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#soon = false;
  }

  /** Schedules the next tick: in `pollMs`, or at once for a job to read for its baseline. */
  #schedule(soon: boolean): void {
    if (this.#closed || this.#ticking) return;
    if (this.#timer !== undefined && (this.#soon || !soon)) return;
    this.#stop();
    this.#soon = soon;
    // Kept referenced: a watch awaited by a script must not end with the process. The timer goes
    // with the last watch that needs it, and with close().
    this.#timer = setTimeout(() => void this.#tick(), soon ? 0 : this.#pollMs);
  }

  #foreign(): string[] {
    return [...this.#watchers.jobIds()].filter((jobId) => !this.#source.isLocal(jobId));
  }

  async #tick(): Promise<void> {
    this.#stop();
    if (this.#polled === 0) return this.#prune();
    this.#ticking = true;
    try {
      const dataVersion = await this.#source.dataVersion();
      const changed = dataVersion !== this.#dataVersion;
      this.#dataVersion = dataVersion;
      const unread = [...this.#unread];
      this.#unread.clear();
      this.#wakeForeignMoves(changed);
      if (changed) await this.#compare(this.#foreign());
      else if (unread.length > 0) await this.#compare(unread);
    } catch (error) {
      // The file failed us: wake the watches, whose takes will meet the failure and report it.
      this.#dataVersion = undefined;
      this.#source.error(error);
      for (const jobId of this.#foreign()) this.notify(jobId);
    } finally {
      this.#ticking = false;
      this.#prune();
      if (this.#polled > 0) this.#schedule(this.#unread.size > 0);
    }
  }

  /** Another process's queue may have moved (`changed`, or a change seen earlier): its jobs' queue watches wake. */
  #wakeForeignMoves(changed: boolean): void {
    this.#foreignMoved ||= changed;
    const now = Date.now();
    if (!this.#foreignMoved || this.#foreignMoves.size === 0 || now - this.#foreignWokenAt < FOREIGN_MOVES_EVERY_MS)
      return;
    this.#foreignMoved = false;
    this.#foreignWokenAt = now;
    for (const jobId of [...this.#foreignMoves.keys()]) this.#watchers.notify(jobId);
  }

  /** Reads the jobs' versions; wakes the watches of those that moved or had no baseline. */
  async #compare(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const versions = await this.#source.versions(jobIds);
    const at = Date.now();
    for (const [jobId, version] of versions) {
      const before = this.#seen.get(jobId);
      this.#seen.set(jobId, { version, at });
      this.#unread.delete(jobId);
      if (before?.version !== version) this.notify(jobId);
    }
  }

  /** Forgets the baselines of jobs no longer watched, at most once a second (it walks them all). */
  #prune(): void {
    const now = Date.now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    const watched = new Set(this.#watchers.jobIds());
    for (const [jobId, seen] of this.#seen) {
      if (watched.has(jobId)) seen.at = now;
      else if (seen.at < now - KEEP_SEEN_MS) this.#seen.delete(jobId);
    }
  }
}

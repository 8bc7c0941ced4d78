import { type JobOutcome, timeoutOutcome } from "../../src/index.js";
import { LEASE_EXPIRED, type StoredJob } from "./records.js";
import { type DiskStore, QUEUED, QUEUED_ORDER, QUEUED_OWNER, TABLE } from "./store.js";

/** A row as decoded: fields the statements set to SQL null read back as null. */
type Nullable<T> = { [K in keyof T]: T[K] | (undefined extends T[K] ? null : never) };

const OPEN = "json_extract(value, '$.value.outcome') IS NULL";
const UNEXPIRED = "(json_extract(value, '$.expires') IS NULL OR json_extract(value, '$.expires') >= ?)";
const END =
  "json_set(value, '$.value.state', 'done', '$.value.outcome', json(?), '$.value.endedAt', ?, '$.expires', ?)";
// Whether the owner of the row being updated holds a lease that has not run out.
const OWNER_ALIVE = `EXISTS (SELECT 1 FROM ${TABLE} AS lease WHERE lease.key = ? || json_extract(${TABLE}.value, '$.value.owner') AND json_extract(lease.value, '$.value.until') >= ?)`;

/**
 * The job rows, changed only by single SQL statements that compare and set: the outcome is set
 * once (whoever comes first wins, every later attempt changes nothing), the owner writes only
 * while no outcome is set, and a take acknowledges exactly what it returns.
 */
export class JobTable {
  readonly #store: DiskStore;
  readonly #ttlMs: number;

  constructor(store: DiskStore, ttlMs: number) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  /** How long an ended job's row lives after its end. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Writes a new row. An unended job's row has no expiry: only its owner's lease decides. */
  async insert(jobId: string, job: StoredJob): Promise<void> {
    const expires = job.endedAt === undefined ? null : job.endedAt + this.#ttlMs;
    const row = await this.#store.encode({ value: job, expires });
    await this.#store.sql("write", `INSERT INTO ${TABLE} (key, value) VALUES (?, ?)`, this.#key(jobId), row);
  }

  /** The row, or `undefined` when there is none or it expired. */
  async read(jobId: string): Promise<StoredJob | undefined> {
    const rows = await this.#store.sql<{ value: string }>(
      "read",
      `SELECT value FROM ${TABLE} WHERE key = ? AND ${UNEXPIRED}`,
      this.#key(jobId),
      Date.now(),
    );
    return rows[0] && this.#decode(rows[0].value);
  }

  /** The owner's write of progress and side updates. Resolves with the acknowledged `seq`, or `undefined` once the job has an outcome. */
  async write(jobId: string, job: StoredJob): Promise<number | undefined> {
    const rows = await this.#store.sql<{ ack: number }>(
      "write",
      `UPDATE ${TABLE} SET value = json_set(value, '$.value.state', ?, '$.value.seq', ?, '$.value.progress', json(?), '$.value.props', json(?), '$.value.timeoutAt', ?)
       WHERE key = ? AND ${OPEN} RETURNING coalesce(json_extract(value, '$.value.ack'), 0) AS ack`,
      job.state,
      job.seq,
      await this.#store.encode(job.progress ?? null),
      await this.#store.encode(job.props),
      job.timeoutAt ?? null,
      this.#key(jobId),
    );
    return rows[0]?.ack;
  }

  /** The owner's last write, with its outcome. Resolves `false` when another outcome came first. */
  async end(jobId: string, job: StoredJob & { outcome: JobOutcome; endedAt: number }): Promise<boolean> {
    const outcome = await this.#store.encode(job.outcome);
    // A job without progress or side updates: the row holds them as inserted (only the owner
    // writes them), so the outcome is all there is to set.
    const updates =
      job.seq === 0 && job.progress === undefined && job.props.length === 0
        ? []
        : [job.seq, await this.#store.encode(job.progress ?? null), await this.#store.encode(job.props)];
    const set =
      updates.length === 0
        ? END
        : `json_set(${END}, '$.value.seq', ?, '$.value.progress', json(?), '$.value.props', json(?))`;
    const rows = await this.#store.sql(
      "write",
      `UPDATE ${TABLE} SET value = ${set} WHERE key = ? AND ${OPEN} RETURNING key`,
      outcome,
      job.endedAt,
      job.endedAt + this.#ttlMs,
      ...updates,
      this.#key(jobId),
    );
    return rows.length > 0;
  }

  /** Ends the job `cancelled` unless it has an outcome. Resolves whether this call ended it. */
  async cancel(jobId: string): Promise<boolean> {
    const now = Date.now();
    const rows = await this.#store.sql(
      "write",
      `UPDATE ${TABLE} SET value = ${END} WHERE key = ? AND ${OPEN} RETURNING key`,
      await this.#store.encode({ kind: "cancelled" }),
      now,
      now + this.#ttlMs,
      this.#key(jobId),
    );
    return rows.length > 0;
  }

  /** Marks a queued job running right before it starts. Resolves `false` when it already has an outcome. */
  async admit(jobId: string): Promise<boolean> {
    const rows = await this.#store.sql(
      "write",
      `UPDATE ${TABLE} SET value = json_set(value, '$.value.state', 'running', '$.value.startedAt', ?) WHERE key = ? AND ${OPEN} RETURNING key`,
      Date.now(),
      this.#key(jobId),
    );
    return rows.length > 0;
  }

  /**
   * Ends `lost` every unended job (of `jobId`, or of the whole namespace) whose owner's lease ran
   * out. The lease is checked in the same statement, so an owner that renewed it in time keeps
   * its job. Resolves the ids of the jobs this call ended.
   */
  async markLost(jobId?: string): Promise<string[]> {
    const now = Date.now();
    const [from, to] = this.#store.range(`job:${jobId ?? ""}`);
    const which = jobId === undefined ? "key >= ? AND key < ?" : "key = ?";
    const rows = await this.#store.sql(
      "write",
      `UPDATE ${TABLE} SET value = ${END} WHERE ${which} AND ${OPEN} AND NOT ${OWNER_ALIVE} RETURNING key`,
      await this.#store.encode({ kind: "lost", reason: LEASE_EXPIRED }),
      now,
      now + this.#ttlMs,
      ...(jobId === undefined ? [from, to] : [this.#key(jobId)]),
      this.#store.rowKey("lease:"),
      now,
    );
    return rows.map((row) => this.#idOf(row.key as string));
  }

  /**
   * Ends the job with the time-limit error if its `timeoutAt` has passed and it has no outcome:
   * the owner's own limit normally ends it first; this covers an owner that stalls. Resolves
   * whether this call ended it.
   */
  async timeOut(jobId: string, timeoutMs: number): Promise<boolean> {
    const now = Date.now();
    const rows = await this.#store.sql(
      "write",
      `UPDATE ${TABLE} SET value = ${END} WHERE key = ? AND ${OPEN} AND json_extract(value, '$.value.timeoutAt') <= ? RETURNING key`,
      await this.#store.encode(timeoutOutcome(timeoutMs)),
      now,
      now + this.#ttlMs,
      this.#key(jobId),
      now,
    );
    return rows.length > 0;
  }

  /**
   * A version of each job among `jobIds` that changes with every news a `take` or `watch` cares
   * about (a start, progress, side updates, the outcome); `"none"` for a job without a row.
   */
  async versions(jobIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.#store.sql<{ key: string; version: string }>(
      "read",
      `SELECT key, json_extract(value, '$.value.state') || ':' || json_extract(value, '$.value.seq') AS version
       FROM ${TABLE} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(jobIds.map((jobId) => this.#key(jobId))),
    );
    const versions = new Map(jobIds.map((jobId) => [jobId, "none"]));
    for (const row of rows) versions.set(this.#idOf(row.key), row.version);
    return versions;
  }

  /**
   * How many jobs of `owner` are still queued with an `order` below `order`. A queued row has no
   * outcome (every ending sets the state to `done`), so this counts entries of the queued index.
   */
  async ahead(owner: string, order: number): Promise<number> {
    const rows = await this.#store.sql<{ ahead: number }>(
      "read",
      `SELECT count(*) AS ahead FROM ${TABLE} WHERE ${QUEUED} AND ${QUEUED_OWNER} = ? AND ${QUEUED_ORDER} < ?`,
      owner,
      order,
    );
    return rows[0]?.ahead ?? 0;
  }

  /**
   * Returns what is newer than the previous take and acknowledges it in one statement, so that
   * takes running at once (in any processes) deliver each update once. `since` is what the
   * returned job's updates are newer than.
   */
  async take(jobId: string): Promise<{ job: StoredJob; since: number } | undefined> {
    for (;;) {
      const rows = await this.#store.sql<{ value: string }>(
        "write",
        `UPDATE ${TABLE} SET value = json_set(value, '$.value.taken', coalesce(json_extract(value, '$.value.ack'), 0), '$.value.ack', json_extract(value, '$.value.seq'))
         WHERE key = ? AND ${UNEXPIRED} AND json_extract(value, '$.value.seq') > coalesce(json_extract(value, '$.value.ack'), 0)
         RETURNING value`,
        this.#key(jobId),
        Date.now(),
      );
      if (rows[0]) {
        const job = this.#decode(rows[0].value);
        return { job, since: job.taken ?? 0 };
      }
      // Nothing new to acknowledge: a plain read, unless an update landed in between.
      const job = await this.read(jobId);
      if (job === undefined) return undefined;
      if (job.seq <= (job.ack ?? 0)) return { job, since: job.seq };
    }
  }

  /** The ids among `jobIds` that have an outcome. */
  async ended(jobIds: readonly string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.#store.sql<{ key: string }>(
      "read",
      `SELECT key FROM ${TABLE} WHERE key IN (SELECT value FROM json_each(?)) AND NOT ${OPEN}`,
      JSON.stringify(jobIds.map((jobId) => this.#key(jobId))),
    );
    return rows.map((row) => this.#idOf(row.key));
  }

  #key(jobId: string): string {
    return this.#store.rowKey(`job:${jobId}`);
  }

  #idOf(key: string): string {
    return key.slice(this.#key("").length);
  }

  #decode(text: string): StoredJob {
    const { value } = this.#store.decode<{ value: Nullable<StoredJob> }>(text);
    if (value.progress === null) delete value.progress;
    if (value.timeoutAt === null) delete value.timeoutAt;
    return value as StoredJob;
  }
}

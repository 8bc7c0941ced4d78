import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { BackgroundCallbackError } from "../../src/index.js";
import { Statements } from "./statements.js";

/** The few Keyv calls the DiskManager makes. */
interface KeyvLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  disconnect(): Promise<void>;
  on(event: "error", listener: (error: unknown) => void): unknown;
  readonly serialize: ((data: unknown) => string | Promise<string>) | undefined;
  readonly deserialize: ((data: string) => unknown) | undefined;
}

interface SqliteAdapter {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

/** The table Keyv keeps its rows in; `value` holds Keyv's `{ value, expires }` encoding. */
export const TABLE = "background_callbacks";

/** Expressions of the index of queued jobs; a query must spell them the same way to use it. */
export const QUEUED = "json_extract(value, '$.value.state') = 'queued'";
export const QUEUED_OWNER = "json_extract(value, '$.value.owner')";
export const QUEUED_ORDER = "json_extract(value, '$.value.order')";
/** Expressions of the indexes `inspect()` reads: running jobs, and jobs that ended `lost` by end time. */
export const RUNNING = "json_extract(value, '$.value.state') = 'running'";
export const LOST = "json_extract(value, '$.value.outcome.kind') = 'lost'";
export const ENDED_AT = "json_extract(value, '$.value.endedAt')";

/**
 * One SQLite file through Keyv: typed get/set with TTLs for plain keys, single SQL statements in
 * Keyv's row format for the compare-and-set steps, `BACKEND` errors that name the file, and a
 * sweep that deletes expired rows.
 */
export class DiskStore {
  readonly path: string;
  readonly #keyv: KeyvLike;
  readonly #statements: Statements;
  readonly #namespace: string;

  private constructor(path: string, keyv: KeyvLike, statements: Statements, namespace: string) {
    this.path = path;
    this.#keyv = keyv;
    this.#statements = statements;
    this.#namespace = namespace;
  }

  /** Opens (creating when needed) the file, in WAL mode with the given busy timeout. */
  static async open(path: string, namespace: string, busyTimeoutMs: number): Promise<DiskStore> {
    const file = resolve(path);
    if (!existsSync(dirname(file))) {
      throw new BackgroundCallbackError(
        "BACKEND",
        `[background-callbacks:disk] Cannot open "${path}": the folder ${dirname(file)} does not exist; create it or choose another \`path\``,
      );
    }
    const { Keyv, KeyvSqlite, Sqlite3 } = await importKeyv();
    const sqlite = new KeyvSqlite({
      uri: `sqlite://${file}`,
      table: TABLE,
      busyTimeout: busyTimeoutMs,
    }) as SqliteAdapter;
    const keyv = new Keyv({ store: sqlite, namespace } as never) as unknown as KeyvLike;
    keyv.on("error", () => {
      // Each call reports its own failure as a BACKEND error.
    });
    // No fsync per commit (WAL keeps the file consistent; a crash of the process loses nothing):
    // each write holds the lock that other processes wait for a much shorter time. Keyv's
    // connection creates the table first.
    await run(path, "open", () => sqlite.query("PRAGMA synchronous = NORMAL"));
    // The job table's statements run on a second connection of this process, each prepared once.
    const statements = await run(path, "open", () => Statements.open(Sqlite3, file, busyTimeoutMs));
    const store = new DiskStore(path, keyv, statements, namespace);
    await store.sql("open", "PRAGMA journal_mode = WAL");
    await store.sql("open", "PRAGMA synchronous = NORMAL");
    // Queued jobs by owner and submit order, so that a queued job's position is an index range
    // count, whatever else the file holds.
    await store.sql(
      "open",
      `CREATE INDEX IF NOT EXISTS ${TABLE}_queued ON ${TABLE} (${QUEUED_OWNER}, ${QUEUED_ORDER}) WHERE ${QUEUED}`,
    );
    // Queued, running and lost jobs by key (a namespace is a key range): `inspect()` counts them
    // from these alone, whatever else the file holds.
    for (const [name, columns, where] of [
      ["queued_key", "key", QUEUED],
      ["running", "key", RUNNING],
      ["lost", `key, ${ENDED_AT}`, LOST],
    ]) {
      await store.sql("open", `CREATE INDEX IF NOT EXISTS ${TABLE}_${name} ON ${TABLE} (${columns}) WHERE ${where}`);
    }
    await store.sweep();
    return store;
  }

  /** The row key of `key` in this namespace, as Keyv spells it. */
  rowKey(key: string): string {
    return `${this.#namespace}:${key}`;
  }

  /** Bounds of the row keys that start with `prefix` (in this namespace), for an indexed range scan. */
  range(prefix: string): [from: string, to: string] {
    const from = this.rowKey(prefix);
    return [from, from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1)];
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.#run("read", () => this.#keyv.get(key))) as T | undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#run("write", () => this.#keyv.set(key, value, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#run("write", () => this.#keyv.delete(key));
  }

  /** Runs one SQL statement: SQLite runs each statement atomically, across processes. */
  sql<T = Record<string, unknown>>(what: string, text: string, ...params: unknown[]): Promise<T[]> {
    return this.#statements.all(text, params).catch((error: unknown) => {
      throw backendError(this.path, what, error);
    }) as Promise<T[]>;
  }

  /** JSON text in Keyv's encoding, so rows written by SQL read back through Keyv and vice versa. */
  async encode(value: unknown): Promise<string> {
    return this.#keyv.serialize ? await this.#keyv.serialize(value) : JSON.stringify(value);
  }

  decode<T>(text: string): T {
    return (this.#keyv.deserialize ? this.#keyv.deserialize(text) : JSON.parse(text)) as T;
  }

  /**
   * Stores `value` under `key` unless a value is there already (atomically, across processes), and
   * returns the value stored now, read from the file. Never expires.
   */
  async insertIfAbsent<T>(key: string, value: T): Promise<T> {
    const row = await this.encode({ value, expires: null });
    await this.sql("write", `INSERT OR IGNORE INTO ${TABLE} (key, value) VALUES (?, ?)`, this.rowKey(key), row);
    return (await this.get<T>(key)) as T;
  }

  /**
   * SQLite's `data_version` of this connection: it changes whenever another connection (another
   * process, or another manager on the same file) committed a change to the file, and costs no
   * table read. Changes made through this connection leave it as it was.
   */
  async dataVersion(): Promise<number> {
    const [row] = await this.sql<{ data_version: number }>("read", "PRAGMA data_version");
    return row?.data_version ?? 0;
  }

  /** Deletes every expired row of this namespace. Returns how many. */
  async sweep(): Promise<number> {
    const [from, to] = this.range("");
    const rows = await this.sql(
      "sweep",
      `DELETE FROM ${TABLE} WHERE key >= ? AND key < ? AND json_extract(value, '$.expires') < ? RETURNING key`,
      from,
      to,
      Date.now(),
    );
    return rows.length;
  }

  async close(): Promise<void> {
    await this.#run("close", () => this.#statements.close());
    await this.#run("close", () => this.#keyv.disconnect());
  }

  #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return run(this.path, what, fn);
  }
}

/** Runs `fn`; a failure becomes a `BACKEND` error that names the file and what failed. */
async function run<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw backendError(path, what, error);
  }
}

function backendError(path: string, what: string, error: unknown): BackgroundCallbackError {
  const reason = error instanceof Error ? error.message : String(error);
  return new BackgroundCallbackError("BACKEND", `[background-callbacks:disk] Cannot ${what} "${path}": ${reason}`, {
    cause: error,
  });
}

async function importKeyv(): Promise<{
  Keyv: new (options: unknown) => unknown;
  KeyvSqlite: new (options: unknown) => unknown;
  Sqlite3: unknown;
}> {
  try {
    const [keyv, sqlite] = await Promise.all([import("keyv"), import("@keyv/sqlite")]);
    // The driver @keyv/sqlite itself runs on, found from where it is installed.
    const require = createRequire(import.meta.url);
    const Sqlite3: unknown = createRequire(require.resolve("@keyv/sqlite"))("sqlite3");
    return { Keyv: keyv.Keyv as never, KeyvSqlite: sqlite.KeyvSqlite as never, Sqlite3 };
  } catch (error) {
    throw new BackgroundCallbackError(
      "DEPENDENCY_MISSING",
      "[background-callbacks:disk] Cannot import `keyv` and `@keyv/sqlite`, which the DiskManager needs. Run `npm install keyv @keyv/sqlite`",
      { cause: error },
    );
  }
}

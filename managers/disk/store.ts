import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BackgroundCallbackError } from "../../src/index.js";

/** The few Keyv calls the DiskManager makes. */
interface KeyvLike {
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  disconnect(): Promise<void>;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

interface SqliteAdapter {
  query(sql: string, ...params: unknown[]): Promise<unknown[]>;
}

const TABLE = "background_callbacks";

/**
 * One SQLite file through Keyv: typed get/set with TTLs, `BACKEND` errors that name the file,
 * and a sweep that deletes expired rows nobody read.
 */
export class DiskStore {
  readonly path: string;
  readonly #keyv: KeyvLike;
  readonly #sqlite: SqliteAdapter;
  readonly #namespace: string;

  private constructor(path: string, keyv: KeyvLike, sqlite: SqliteAdapter, namespace: string) {
    this.path = path;
    this.#keyv = keyv;
    this.#sqlite = sqlite;
    this.#namespace = namespace;
  }

  /** Opens (creating when needed) the file, in WAL mode with a generous busy timeout. */
  static async open(path: string, namespace: string, busyTimeoutMs: number): Promise<DiskStore> {
    const file = resolve(path);
    if (!existsSync(dirname(file))) {
      throw new BackgroundCallbackError(
        "BACKEND",
        `[background-callbacks:disk] Cannot open "${path}": the folder ${dirname(file)} does not exist; create it or choose another \`path\``,
      );
    }
    const { Keyv, KeyvSqlite } = await importKeyv();
    const sqlite = new KeyvSqlite({
      uri: `sqlite://${file}`,
      table: TABLE,
      busyTimeout: busyTimeoutMs,
    }) as SqliteAdapter;
    const keyv = new Keyv({ store: sqlite, namespace } as never) as unknown as KeyvLike;
    const store = new DiskStore(path, keyv, sqlite, namespace);
    keyv.on("error", () => {
      // Each call reports its own failure as a BACKEND error.
    });
    await store.#run("open", () => sqlite.query("PRAGMA journal_mode = WAL"));
    await store.sweep();
    return store;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.#run("read", () => this.#keyv.get(key))) as T | undefined;
  }

  async getMany<T extends unknown[]>(keys: string[]): Promise<Partial<T>> {
    return (await this.#run("read", () => this.#keyv.getMany(keys))) as Partial<T>;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#run("write", () => this.#keyv.set(key, value, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#run("write", () => this.#keyv.delete(key));
  }

  /**
   * Stores `value` under `key` unless a value is there already (atomically, across processes), and
   * returns the value that is stored. Never expires.
   */
  async insertIfAbsent<T>(key: string, value: T): Promise<T> {
    const row = `${this.#namespace}:${key}`;
    await this.#run("write", () =>
      this.#sqlite.query(
        `INSERT OR IGNORE INTO ${TABLE} (key, value) VALUES (?, ?)`,
        row,
        JSON.stringify({ value, expires: null }),
      ),
    );
    return (await this.get<T>(key)) as T;
  }

  /** Deletes every expired row of this namespace. Returns how many. */
  async sweep(): Promise<number> {
    const rows = await this.#run("sweep", () =>
      this.#sqlite.query(
        `DELETE FROM ${TABLE} WHERE key LIKE ? AND json_extract(value, '$.expires') < ? RETURNING key`,
        `${this.#namespace}:%`,
        Date.now(),
      ),
    );
    return rows.length;
  }

  async close(): Promise<void> {
    await this.#run("close", () => this.#keyv.disconnect());
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackgroundCallbackError(
        "BACKEND",
        `[background-callbacks:disk] Cannot ${what} "${this.path}": ${reason}`,
        { cause: error },
      );
    }
  }
}

async function importKeyv(): Promise<{
  Keyv: new (options: unknown) => unknown;
  KeyvSqlite: new (options: unknown) => unknown;
}> {
  try {
    const [keyv, sqlite] = await Promise.all([import("keyv"), import("@keyv/sqlite")]);
    return { Keyv: keyv.Keyv as never, KeyvSqlite: sqlite.KeyvSqlite as never };
  } catch (error) {
    throw new BackgroundCallbackError(
      "DEPENDENCY_MISSING",
      "[background-callbacks:disk] Cannot import `keyv` and `@keyv/sqlite`, which the DiskManager needs. Run `npm install keyv @keyv/sqlite`",
      { cause: error },
    );
  }
}

/** The part of node-sqlite3's API the statements use. */
interface Sqlite3Module {
  Database: new (file: string, callback: (error: Error | null) => void) => Database;
}

interface Database {
  configure(option: "busyTimeout", value: number): void;
  prepare(sql: string, callback: (error: Error | null) => void): Statement;
  close(callback: (error: Error | null) => void): void;
}

interface Statement {
  all(...paramsAndCallback: unknown[]): void;
  finalize(callback: () => void): void;
}

/** Most statement texts kept prepared; any other runs prepared for the one call. */
const MAX_PREPARED = 64;

/**
 * One SQLite connection whose statements are prepared once per text and reused: the job table's
 * few statements then cost a bind and a step each, not a parse and plan as well.
 */
export class Statements {
  readonly #db: Database;
  readonly #prepared = new Map<string, Promise<Statement>>();
  /** The kept statements once prepared: a call runs them at once, without waiting a tick for the promise. */
  readonly #ready = new Map<string, Statement>();

  private constructor(db: Database) {
    this.#db = db;
  }

  /** Opens a connection to `file` with the given busy timeout. */
  static open(sqlite3: unknown, file: string, busyTimeoutMs: number): Promise<Statements> {
    const { Database } = sqlite3 as Sqlite3Module;
    return new Promise<Statements>((resolve, reject) => {
      const db = new Database(file, (error) => {
        if (error) return reject(error);
        db.configure("busyTimeout", busyTimeoutMs);
        resolve(new Statements(db));
      });
    });
  }

  /** Runs the statement with `params`; its rows. */
  all(text: string, params: readonly unknown[]): Promise<unknown[]> {
    const ready = this.#ready.get(text);
    if (ready !== undefined) return run(ready, params);
    return this.#statement(text).then((statement) => run(statement, params));
  }

  /** Finalizes the prepared statements and closes the connection. */
  async close(): Promise<void> {
    const statements = await Promise.allSettled(this.#prepared.values());
    this.#prepared.clear();
    this.#ready.clear();
    await Promise.all(
      statements.map((settled) =>
        settled.status === "fulfilled" ? new Promise<void>((done) => settled.value.finalize(done)) : undefined,
      ),
    );
    await new Promise<void>((resolve, reject) => this.#db.close((error) => (error ? reject(error) : resolve())));
  }

  #statement(text: string): Promise<Statement> {
    const known = this.#prepared.get(text);
    if (known !== undefined) return known;
    const prepared = new Promise<Statement>((resolve, reject) => {
      const statement = this.#db.prepare(text, (error) => (error ? reject(error) : resolve(statement)));
    });
    if (this.#prepared.size < MAX_PREPARED) {
      this.#prepared.set(text, prepared);
      prepared.then(
        (statement) => {
          // Unless close() came first.
          if (this.#prepared.get(text) === prepared) this.#ready.set(text, statement);
        },
        // A statement that failed to prepare is not kept: the next call tries again.
        () => this.#prepared.delete(text),
      );
    }
    return prepared;
  }
}

function run(statement: Statement, params: readonly unknown[]): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    statement.all(...params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows)));
  });
}

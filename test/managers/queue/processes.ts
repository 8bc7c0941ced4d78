/**
 * Real OS processes for the QueueManager tests: worker processes started with the CLI, and "web"
 * processes (test/fixtures/queue-web.ts) driven over stdin/stdout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { JobOutcome, JobState, JobUpdate, Json } from "../../../src/index.js";

const path = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export const cliEntry = path("../../../src/cli.ts");
export const queueApp = path("../../fixtures/queue-app.ts");
export const webFixture = path("../../fixtures/queue-web.ts");

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// One check for every test: whether a process with this pid exists.
export { isAlive } from "../../../src/testing/suite/helpers.js";

/** A process whose stdout is read line by line. */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: (() => void)[] = [];

  constructor(args: readonly string[], env: Record<string, string>, execArgv: readonly string[] = ["--import", "tsx"]) {
    this.child = spawn(process.execPath, [...execArgv, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffer = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        this.lines.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        for (const wake of this.#waiters.splice(0)) wake();
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = once(this.child, "exit").then(([code, signal]) => ({ code, signal }) as never);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Lines that parse as JSON objects. */
  get json(): Record<string, unknown>[] {
    return this.lines.flatMap((line) => {
      try {
        const value = JSON.parse(line) as unknown;
        return value !== null && typeof value === "object" ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /** Waits for a JSON line that matches `test`. */
  async waitForLine(
    what: string,
    test: (line: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.json.find(test);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(
          `No log line for ${what} after ${timeoutMs} ms; stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Starts `background-callbacks worker <queue-app> ...args` with the fixture's settings in `env`. */
export function startWorker(env: Record<string, string>, args: readonly string[] = []): Proc {
  return new Proc([cliEntry, "worker", queueApp, ...args], env);
}

/** Waits until a worker logged `worker.started` for `queueName`. */
export function workerStarted(worker: Proc, queueName: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return worker.waitForLine(
    `worker.started of ${queueName}`,
    (l) => l.event === "worker.started" && l.queue === queueName,
    timeoutMs,
  );
}

/** A web process (test/fixtures/queue-web.ts): the QueueManager API over stdin/stdout. */
export class Web extends Proc {
  #next = 0;

  constructor(env: Record<string, string>) {
    super([webFixture], env);
  }

  async ready(): Promise<void> {
    await this.waitForLine("the web fixture to be ready", (line) => line.ready === true);
  }

  async #call(command: Record<string, unknown>): Promise<unknown> {
    const id = ++this.#next;
    this.child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    const reply = await this.waitForLine(`reply ${id}`, (line) => line.id === id);
    if (reply.ok !== true) throw new Error(String(reply.error));
    return reply.value;
  }

  async submit(queue: string, callbackId: string, args: Json[] = []): Promise<string> {
    return ((await this.#call({ op: "submit", queue, callbackId, args })) as { jobId: string }).jobId;
  }

  take(queue: string, jobId: string): Promise<JobUpdate> {
    return this.#call({ op: "take", queue, jobId }) as Promise<JobUpdate>;
  }

  status(queue: string, jobId: string): Promise<JobState> {
    return this.#call({ op: "status", queue, jobId }) as Promise<JobState>;
  }

  async cancel(queue: string, jobId: string): Promise<void> {
    await this.#call({ op: "cancel", queue, jobId });
  }

  /** Takes until the outcome comes; returns it and every progress value seen. */
  async outcome(queue: string, jobId: string, timeoutMs = 20_000): Promise<{ outcome: JobOutcome; progress: Json[] }> {
    const progress: Json[] = [];
    const outcome = await waitFor(
      `the outcome of ${jobId}`,
      async () => {
        const update = await this.take(queue, jobId);
        if (update.progress !== undefined) progress.push(update.progress);
        return update.outcome;
      },
      timeoutMs,
    );
    return { outcome, progress };
  }
}

import { type ChildProcess, execFile, execFileSync, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackgroundCallbackManager, JobHandle, JobRequest, JobState, JobUpdate } from "../../manager/contract.js";
import { ROLE_ENV } from "../../worker/role.js";
import { workerExecArgv } from "../../worker/spawn.js";
import { CAPABILITIES_LINE, FACTORY_ENV, type FactorySpec } from "../factory.js";
import type { PeerCall, PeerMessage } from "../peer.js";

/** The peer entry: `peer.ts` in a source checkout, the built `testing-peer.js` next to this code otherwise. */
function peerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "..", "peer.ts"), join(here, "..", "peer.js"), join(here, "testing-peer.js")];
  return candidates.find((file) => existsSync(file)) ?? join(here, "testing-peer.js");
}

function peerEnv(spec: FactorySpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [FACTORY_ENV]: JSON.stringify(spec) };
  delete env[ROLE_ENV];
  return env;
}

/**
 * The capabilities of the manager the factory module makes, read synchronously in another process
 * (tests are declared synchronously, and the factory may be async and TypeScript).
 * @throws when the factory module cannot make a manager there.
 */
export function probeCapabilities(spec: FactorySpec, limitMs: number): BackgroundCallbackManager["capabilities"] {
  const entry = peerEntry();
  let stdout: string;
  try {
    stdout = execFileSync(
      process.execPath,
      [...workerExecArgv(fileURLToPath(spec.module), entry), entry, "--capabilities"],
      { env: peerEnv(spec), encoding: "utf8", timeout: limitMs, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`The factory module could not make a manager in another process: ${stderr || String(error)}`);
  }
  const line = stdout.split("\n").find((each) => each.startsWith(CAPABILITIES_LINE));
  if (line === undefined) throw new Error(`The factory module's manager reported no capabilities: ${stdout}`);
  return JSON.parse(line.slice(CAPABILITIES_LINE.length));
}

/**
 * The manager under test, opened through the factory module in another OS process (a second web
 * process), driven over IPC. Each call rejects after `callLimitMs` when the process does not answer.
 */
export class Peer implements BackgroundCallbackManager {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #exited: Promise<void>;
  readonly #callLimitMs: number;
  #next = 0;
  #stopped = false;
  capabilities: BackgroundCallbackManager["capabilities"] = Object.freeze({ caching: false, shared: false });
  hasSecret = false;

  private constructor(spec: FactorySpec, callLimitMs: number) {
    const entry = peerEntry();
    this.#child = fork(entry, [], {
      execArgv: workerExecArgv(fileURLToPath(spec.module), entry),
      env: peerEnv(spec),
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
    });
    this.#callLimitMs = callLimitMs;
    this.#exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    void this.#exited.then(() => {
      for (const { reject } of this.#pending.values()) reject(new Error(`the second process (pid ${this.pid}) exited`));
      this.#pending.clear();
    });
  }

  /** Starts a peer and waits until its manager is open. */
  static async start(spec: FactorySpec, startLimitMs: number, callLimitMs: number): Promise<Peer> {
    const peer = new Peer(spec, callLimitMs);
    await peer.#ready(startLimitMs);
    return peer;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  submit(job: JobRequest): Promise<JobHandle> {
    return this.#call("submit", job) as Promise<JobHandle>;
  }
  take(jobId: string): Promise<JobUpdate> {
    return this.#call("take", jobId) as Promise<JobUpdate>;
  }
  status(jobId: string): Promise<JobState> {
    return this.#call("status", jobId) as Promise<JobState>;
  }
  async cancel(jobId: string): Promise<void> {
    await this.#call("cancel", jobId);
  }
  sharedSecret(): Promise<string> {
    return this.#call("sharedSecret") as Promise<string>;
  }
  async close(): Promise<void> {
    await this.#call("close");
  }

  /** Sends a signal: `SIGSTOP` stalls the process, `SIGCONT` resumes it, `SIGKILL` kills it. */
  signal(signal: "SIGSTOP" | "SIGCONT" | "SIGKILL"): void {
    this.#child.kill(signal);
    this.#stopped = signal === "SIGSTOP";
  }

  /** Resolves once the process exited. */
  exited(): Promise<void> {
    return this.#exited;
  }

  /** Ends the process however it stands: resumed, asked to close its manager, killed if it must. */
  async dispose(limitMs: number): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#stopped) this.signal("SIGCONT");
    const killer = setTimeout(() => this.#child.kill("SIGKILL"), limitMs);
    await this.close().catch(() => undefined);
    if (this.#child.connected) this.#child.disconnect();
    await this.#exited;
    clearTimeout(killer);
  }

  #ready(limitMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        this.#child.kill("SIGKILL");
        reject(new Error(`The second process could not open the manager through the factory module: ${message}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${limitMs} ms`), limitMs);
      this.#child.on("message", (message: PeerMessage) => {
        if (message.t === "ready") {
          clearTimeout(timer);
          this.capabilities = Object.freeze({ ...message.capabilities });
          this.hasSecret = message.secret;
          resolve();
        } else if (message.t === "fatal") {
          clearTimeout(timer);
          fail(message.message);
        } else {
          this.#answer(message);
        }
      });
      void this.#exited.then(() => fail("it exited"));
    });
  }

  #answer(message: Extract<PeerMessage, { t: "answer" }>): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (message.error === undefined) {
      pending?.resolve(message.value);
      return;
    }
    const error = Object.assign(new Error(message.error.message), message.error);
    pending?.reject(error);
  }

  #call(method: PeerCall["method"], ...args: unknown[]): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (!this.#child.connected) {
        reject(new Error(`the second process (pid ${this.pid}) is gone; ${method}() cannot reach it`));
        return;
      }
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the second process did not answer ${method}() within ${this.#callLimitMs} ms`));
      }, this.#callLimitMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T): void => {
          clearTimeout(timer);
          fn(value);
        };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.#child.send({ id, method, args } satisfies PeerCall);
    });
  }
}

/** The parent of a process, by `ps` (Linux and macOS). */
export function parentOf(pid: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile("ps", ["-o", "ppid=", "-p", String(pid)], (error, stdout) => {
      if (error) reject(new Error(`Cannot find the parent of process ${pid}: ${error.message}`));
      else resolve(Number(stdout.trim()));
    });
  });
}

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackgroundCallbackManager, JobOutcome } from "../../../src/index.js";

export const smokeJobs = fileURLToPath(new URL("../../fixtures/smoke-jobs.ts", import.meta.url));

/** A fresh SQLite path in a new temporary folder. */
export function tempFile(name = "jobs.sqlite"): string {
  return join(mkdtempSync(join(tmpdir(), "bgcb-disk-")), name);
}

/** Polls `take` until the job has an outcome, or throws after `timeoutMs`. */
export async function outcomeOf(
  manager: BackgroundCallbackManager,
  jobId: string,
  timeoutMs = 10_000,
): Promise<JobOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { outcome } = await manager.take(jobId);
    if (outcome) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${jobId} had no outcome after ${timeoutMs} ms`);
}

export const raceJobs = fileURLToPath(new URL("./jobs.ts", import.meta.url));
const racePeerScript = fileURLToPath(new URL("./peer.ts", import.meta.url));

/** A second web process (`peer.ts`) that owns jobs and answers commands line by line. */
export interface RacePeer {
  readonly child: ChildProcess;
  /** The next line it prints. */
  next(): Promise<string>;
  /** Sends a command and resolves with the line it answers. */
  ask(command: string): Promise<string>;
}

/** Starts `peer.ts` on `path`; resolves once it printed the ids of `jobs`, in order. */
export async function racePeer(
  path: string,
  options: Record<string, unknown>,
  jobs: { callbackId: string; args: unknown[]; timeoutMs?: number }[],
): Promise<{ peer: RacePeer; ids: string[] }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      racePeerScript,
      path,
      JSON.stringify({ workerModule: raceJobs, ...options }),
      JSON.stringify(jobs),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n")) {
      const line = text.slice(0, end).trim();
      text = text.slice(end + 1);
      const resolve = waiting.shift();
      if (resolve) resolve(line);
      else lines.push(line);
    }
  });
  const next = () => {
    const line = lines.shift();
    return line === undefined ? new Promise<string>((resolve) => waiting.push(resolve)) : Promise.resolve(line);
  };
  const peer: RacePeer = {
    child,
    next,
    ask: (command) => {
      child.stdin?.write(`${command}\n`);
      return next();
    },
  };
  const ids: string[] = [];
  for (const _ of jobs) ids.push(await next());
  return { peer, ids };
}

/** Waits until `check` holds, polling; throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The lines of a trace file the race jobs append to (none when it does not exist yet). */
export function traceOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Pids of worker processes that are children of this process. */
export function workerPids(): number[] {
  let out: string;
  try {
    out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)]).toString();
  } catch {
    return []; // ps exits 1 when this process has no children
  }
  return out
    .split("\n")
    .filter((line) => line.includes("child."))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

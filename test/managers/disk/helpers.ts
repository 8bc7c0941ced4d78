import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackgroundCallbackManager, JobOutcome } from "../../../src/index.js";

export const smokeJobs = fileURLToPath(new URL("../../fixtures/smoke-jobs.ts", import.meta.url));
const peerScript = fileURLToPath(new URL("../../fixtures/disk-peer.ts", import.meta.url));

/** A fresh SQLite path in a new temporary folder. */
export function tempFile(name = "jobs.sqlite"): string {
  return join(mkdtempSync(join(tmpdir(), "bgcb-disk-")), name);
}

/** Starts `disk-peer.ts` in a separate Node process (through tsx). */
export function peer(...args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", peerScript, ...args], { stdio: ["ignore", "pipe", "inherit"] });
}

/** Resolves with the first line the process prints. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf("\n");
      if (end >= 0) resolve(text.slice(0, end).trim());
    });
    child.on("exit", (code) => reject(new Error(`peer exited with code ${code} before printing`)));
  });
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

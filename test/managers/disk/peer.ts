/**
 * A second web process for the DiskManager's race tests. argv: `<file> <options json> <jobs json>`,
 * jobs being `[{ callbackId, args }]`. Submits the jobs in order and prints each id on its own
 * line. Then answers commands on stdin, one line each, and exits when stdin closes:
 *   `stall <ms>`      blocks its event loop (a stalled web process), prints "resumed" after
 *   `take <jobId>`    prints the take's JSON
 *   `status <jobId>`  prints the job's state
 *   `cancel <jobId>`  cancels the job, prints "cancelled"
 *   `position <jobId>` prints the job's position, or "none"
 */
import { createInterface } from "node:readline";
import { DiskManager, type DiskManagerOptions } from "../../../managers/disk/index.js";
import type { Json } from "../../../src/index.js";

const [path, options, jobs] = process.argv.slice(2) as [string, string, string];
const manager = new DiskManager({ ...(JSON.parse(options) as DiskManagerOptions), path });
for (const job of JSON.parse(jobs) as { callbackId: string; args: Json[] }[]) {
  const { jobId } = await manager.submit(job);
  console.log(jobId);
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg = ""] = line.trim().split(" ");
  if (command === "stall") {
    console.log("stalling");
    // Blocks this thread only: SQLite statements already running finish and release their locks.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(arg));
    console.log("resumed");
  } else if (command === "take") {
    console.log(JSON.stringify(await manager.take(arg)));
  } else if (command === "status") {
    console.log(await manager.status(arg));
  } else if (command === "position") {
    console.log((await manager.position(arg)) ?? "none");
  } else if (command === "cancel") {
    await manager.cancel(arg);
    console.log("cancelled");
  }
}

// stdin closed: the test process is gone, and so should this one be.
await manager.close();
process.exit(0);

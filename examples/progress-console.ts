/**
 * A background job on the embedded DiskManager, watched from the console: progress, a side
 * update, and the result. Run it with `npm start` (or `npx tsx examples/progress-console.ts`).
 *
 * The same file is the worker module: worker processes load it to find `report`, so everything
 * that submits jobs sits behind `isWorkerProcess()`.
 */
import { isWorkerProcess, registerJob } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

registerJob("report", async ([steps], { setProgress, setProps, signal }) => {
  const total = Number(steps);
  for (let step = 1; step <= total; step++) {
    if (signal.aborted) return null;
    await sleep(300);
    setProgress([step, total]);
  }
  setProps("status", { children: "Report ready" });
  return `Processed ${total} steps in worker process ${process.pid}`;
});

async function main(): Promise<void> {
  const manager = new DiskManager({ path: process.env.DB_PATH ?? "./background-callbacks.sqlite" });
  try {
    const { jobId } = await manager.submit({ callbackId: "report", args: [5] });
    console.log(`Submitted job ${jobId} from web process ${process.pid}`);
    for (;;) {
      const { progress, sideUpdates, outcome } = await manager.take(jobId);
      if (progress !== undefined) console.log("progress", progress);
      if (sideUpdates !== undefined) console.log("side updates", sideUpdates);
      if (outcome !== undefined) {
        console.log("outcome", outcome);
        break;
      }
      await sleep(100);
    }
  } finally {
    await manager.close();
  }
}

if (!isWorkerProcess()) await main();

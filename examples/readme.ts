import { isWorkerProcess, registerJob } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

// Worker processes load this same module, so the job is registered in both roles.
registerJob("report", async ([steps = 5], { setProgress, signal }) => {
  for (let step = 1; step <= Number(steps); step++) {
    if (signal.aborted) return null; // cancelled: stop soon, or the process is killed
    await new Promise((resolve) => setTimeout(resolve, 300));
    setProgress([step, steps]);
  }
  return "done";
});

if (!isWorkerProcess()) {
  const manager = new DiskManager({ path: "./jobs.sqlite" });
  const { jobId } = await manager.submit({ callbackId: "report", args: [5] });
  let update = await manager.take(jobId);
  while (!update.outcome) {
    if (update.progress !== undefined) console.log("progress", update.progress);
    await new Promise((resolve) => setTimeout(resolve, 100));
    update = await manager.take(jobId);
  }
  console.log(update.outcome); // { kind: "result", value: "done" }
  await manager.close();
}

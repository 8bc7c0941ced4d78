import { fileURLToPath } from "node:url";
import { QueueManager } from "background-callbacks/managers/queue";

// A worker inside a program of your own, instead of the CLI. The job processes load `module`.
const manager = new QueueManager({ connection: "redis://127.0.0.1:6379" });
const worker = await manager.startWorker({
  module: fileURLToPath(new URL("./queue-app.ts", import.meta.url)),
  concurrency: 4,
  log: (event) => console.log(JSON.stringify(event)),
});

process.once("SIGTERM", async () => {
  await worker.close(8_000); // running jobs get 8 s, then are marked lost (or handed back)
  await manager.close();
});

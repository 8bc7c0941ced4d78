import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import type { JobOutcome } from "../src/manager/contract.js";
import { WorkerPool } from "../src/worker/pool.js";

it("runs a job in a worker process", async () => {
  const events: unknown[] = [];
  const done = new Promise<JobOutcome>((resolve) => {
    const pool = new WorkerPool(
      { module: fileURLToPath(new URL("./fixtures/smoke-jobs.ts", import.meta.url)) },
      {
        progress: (_id, v) => events.push(["progress", v]),
        props: (_id, c, p) => events.push(["props", c, p]),
        end: (_id, outcome) => {
          resolve(outcome);
          void pool.close();
        },
      },
    );
    pool.submit({ jobId: "j1", callbackId: "smoke.add", args: [2, 3] });
  });
  expect(await done).toEqual({ kind: "result", value: 5 });
  expect(events).toEqual([
    ["progress", 1],
    ["props", "x", { children: "hi" }],
  ]);
});

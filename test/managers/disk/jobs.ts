/**
 * Job functions for the DiskManager's race tests. Each leaves a trace in a file the test names, so
 * the test sees what ran and in which order without trusting the manager under test.
 */
import { appendFileSync, existsSync } from "node:fs";
import { registerJob } from "../../../src/worker/registry.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends `label` to `file` when the job starts. */
registerJob("disk.append", ([file, label]) => {
  appendFileSync(file as string, `${label}\n`);
  return label;
});

/**
 * Appends `label` to `trace` when it starts, then waits until the file `gate` exists; appends
 * `<label>:aborted` when its signal aborts first.
 */
registerJob("disk.gate", async ([trace, label, gate], { signal }) => {
  appendFileSync(trace as string, `${label}\n`);
  while (!existsSync(gate as string)) {
    if (signal.aborted) {
      appendFileSync(trace as string, `${label}:aborted\n`);
      return "aborted";
    }
    await tick(5);
  }
  return label;
});

/** Sends `n` side updates, one component each, yielding now and then. */
registerJob("disk.props", async ([n], { setProps }) => {
  for (let i = 0; i < (n as number); i++) {
    setProps(`c${i}`, { v: i });
    if (i % 5 === 0) await tick(1);
  }
  return n;
});

/** Reports progress `k` as soon as the file `<dir>/step-<k>` exists, for k from 1 to `n`; returns `n`. */
registerJob("disk.steps", async ([dir, n], { setProgress, signal }) => {
  for (let k = 1; k <= (n as number); k++) {
    while (!existsSync(`${dir as string}/step-${k}`)) {
      if (signal.aborted) return "aborted";
      await tick(2);
    }
    setProgress(k);
  }
  return n;
});

/**
 * The job functions of the conformance suite. Worker processes load this module (its path is
 * `conformanceJobsModule`), so it registers every job the suite submits. It imports no test
 * runner and nothing from the suite but the job ids.
 *
 * @packageDocumentation
 */
// First: constructs the manager under test here, as an app module constructs its managers.
import "./construct.js";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { Json } from "../manager/contract.js";
import { noUpdate, PreventUpdate } from "../worker/outcome.js";
import { type JobTools, registerJob } from "../worker/registry.js";
import { JOB, type LeftoverMode, type RandomMode } from "./suite/job-ids.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const clock = (): number => performance.timeOrigin + performance.now();

/** Waits until the job is cancelled or `maxMs` passed; returns whether it was cancelled. */
async function untilAborted(signal: AbortSignal, maxMs: number): Promise<boolean> {
  const end = clock() + maxMs;
  while (!signal.aborted && clock() < end) await sleep(5);
  return signal.aborted;
}

registerJob(JOB.echo, ([value]) => value);

registerJob(JOB.stamp, async ([label, ms]) => {
  const start = clock();
  await sleep(Number(ms ?? 0));
  return { label: label ?? null, start, end: clock(), pid: process.pid };
});

registerJob(JOB.progress, async ([values, delayMs, holdMs], { setProgress, signal }) => {
  for (const value of (values ?? []) as Json[]) {
    setProgress(value);
    if (Number(delayMs ?? 0) > 0) await sleep(Number(delayMs));
  }
  await untilAborted(signal, Number(holdMs ?? 0));
  return "done";
});

type Step = ["set", string | Record<string, Json>, Record<string, Json>] | ["sleep", number];

registerJob(JOB.props, async ([steps], { setProps }) => {
  for (const step of (steps ?? []) as Step[]) {
    if (step[0] === "set") setProps(step[1], step[2]);
    else await sleep(step[1]);
  }
  return "done";
});

registerJob(JOB.waitCancel, async ([maxMs], { setProgress, signal }) => {
  setProgress({ pid: process.pid });
  return (await untilAborted(signal, Number(maxMs ?? 30_000))) ? "stopped" : "timeout";
});

registerJob(JOB.stream, async ([ms], { setProgress, setProps }) => {
  const end = clock() + Number(ms ?? 0);
  for (let n = 1; clock() < end; n++) {
    // Deliberately ignores the signal: the manager, not the job, must drop what comes after a cancel.
    setProgress({ pid: process.pid, n });
    setProps("stream", { n });
    await sleep(5);
  }
  return "finished";
});

registerJob(JOB.spin, async (_args, { setProgress }) => {
  setProgress({ pid: process.pid });
  // Let the report leave the process before the event loop is blocked for good.
  await sleep(20);
  for (;;) {
    // A synchronous busy loop: only killing the process stops it.
  }
});

registerJob(JOB.throw, ([message]) => {
  throw new Error(String(message));
});

registerJob(JOB.preventUpdate, () => {
  throw new PreventUpdate();
});

registerJob(JOB.noUpdate, () => noUpdate);

registerJob(JOB.exit, async ([code, delayMs], { setProgress }) => {
  setProgress({ pid: process.pid });
  await sleep(Number(delayMs ?? 0));
  process.exit(Number(code ?? 1));
});

registerJob(JOB.ctx, (args, { ctx }) => ({ args, ctx: ctx as unknown as Json }));

registerJob(JOB.random, async (args, tools) => runRandom(args, tools));

async function runRandom(args: Json[], { setProps, signal }: JobTools): Promise<unknown> {
  const id = randomUUID();
  setProps("run", { id });
  switch (args[0] as RandomMode) {
    case "throw":
      throw new Error(`failed run ${id}`);
    case "noUpdate":
      return noUpdate;
    case "wait":
      await untilAborted(signal, 30_000);
      return { id, args };
    default:
      return { id, args };
  }
}

registerJob(JOB.lateProgress, (_args, { setProgress }) => {
  setTimeout(() => setProgress("late"), 50);
  return "returned";
});

registerJob(JOB.badProps, (_args, { setProps }) => {
  setProps("a", { x: (() => 1) as unknown as Json });
  return "unreachable";
});

registerJob(JOB.undefined, () => undefined);

registerJob(JOB.nonJson, ([kind]) => nonJson(String(kind)));

function nonJson(kind: string): unknown {
  switch (kind) {
    case "function":
      return () => 1;
    case "nan":
      return Number.NaN;
    case "infinity":
      return { value: Number.POSITIVE_INFINITY };
    case "map":
      return new Map([["a", 1]]);
    case "classInstance":
      return new (class Point {
        x = 1;
      })();
    case "cycle": {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      return cycle;
    }
    case "symbol":
      return { a: Symbol("a") };
    default:
      return 1n;
  }
}

/** Resolves with the time the signal aborts, or `undefined` after `maxMs`. */
function abortTime(signal: AbortSignal, maxMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(clock());
    const timer = setTimeout(() => resolve(undefined), maxMs);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve(clock());
      },
      { once: true },
    );
  });
}

registerJob(JOB.deadline, async ([graceMs, file, maxMs], { setProgress, signal }) => {
  setProgress({ pid: process.pid, ppid: process.ppid });
  const abortedAt = await abortTime(signal, Number(maxMs ?? 30_000));
  if (abortedAt === undefined) return "timeout";
  // Progress after a cancel is dropped; a file tells the suite when the abort arrived.
  writeFileSync(String(file), String(abortedAt));
  await sleep(Math.max(0, abortedAt + Number(graceMs) - clock()));
  return "returned at the deadline";
});

registerJob(JOB.leftover, ([mode, delayMs]) => {
  setTimeout(
    () => {
      if ((mode as LeftoverMode) === "reject") {
        void Promise.reject(new Error("a promise left behind by a job that returned was rejected"));
      } else {
        throw new Error("a timer left behind by a job that returned threw");
      }
    },
    Number(delayMs ?? 50),
  );
  return "returned";
});

registerJob(JOB.work, async ([label, ms], { setProgress, setProps }) => {
  const start = clock();
  const until = start + Number(ms ?? 0);
  let n = 0;
  do {
    n++;
    setProgress({ label: label ?? null, n, pid: process.pid });
    setProps(`w${String(label)}.${n}`, { n });
    await sleep(Math.min(10, Math.max(0, until - clock())));
  } while (clock() < until);
  return { label: label ?? null, start, end: clock(), pid: process.pid, steps: n };
});

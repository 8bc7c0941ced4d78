import { afterEach, describe, expect, it } from "vitest";
import type { StoredJob } from "../../../managers/disk/records.js";
import { DiskStore } from "../../../managers/disk/store.js";
import { JobTable } from "../../../managers/disk/table.js";
import { DiskWatches, type WatchSource } from "../../../managers/disk/watch.js";
import { tempFile, until } from "./helpers.js";

/** Two connections to one real file: the watcher's, and another process's stand-in that writes. */
async function files(): Promise<{ mine: DiskStore; table: JobTable; theirs: JobTable; close(): Promise<void> }> {
  const path = tempFile();
  const mine = await DiskStore.open(path, "bgcb", 2_000);
  const other = await DiskStore.open(path, "bgcb", 2_000);
  return {
    mine,
    table: new JobTable(mine, 60_000),
    theirs: new JobTable(other, 60_000),
    close: async () => {
      await mine.close();
      await other.close();
    },
  };
}

const queued = (): StoredJob => ({ state: "queued", owner: "another-process", seq: 0, props: [] });

/** A source on the real file that counts the loop's reads. */
function countingSource(store: DiskStore, table: JobTable, errors: unknown[] = []) {
  const calls = { dataVersion: 0, versions: 0, jobsRead: 0 };
  const source: WatchSource = {
    isLocal: () => false,
    dataVersion: () => {
      calls.dataVersion++;
      return store.dataVersion();
    },
    versions: (jobIds) => {
      calls.versions++;
      calls.jobsRead += jobIds.length;
      return table.versions(jobIds);
    },
    error: (error) => errors.push(error),
  };
  return { calls, source };
}

/** Resolves `true` once every promise settled, `false` when one is still pending after `ms`. */
async function allSettle(promises: Promise<unknown>[], ms = 10_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.all(promises).then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("DiskWatches: one loop for other processes' jobs", () => {
  it("10,000 pending watches cost one data_version read per tick, and job reads only after another connection wrote", async () => {
    const file = await files();
    cleanups.push(file.close);
    await file.theirs.insert("a", queued());
    const { calls, source } = countingSource(file.mine, file.table);
    const watches = new DiskWatches(source, 5);
    cleanups.push(async () => watches.close());
    const ids = ["a", ...Array.from({ length: 9_999 }, (_, i) => `unknown-${i}`)];
    // Each poll has its own signal, as each HTTP request does.
    const controllers = ids.map(() => new AbortController());
    // Without an earlier read there is no baseline: the first read wakes every watch (early).
    expect(await allSettle(ids.map((id, i) => watches.watch(id, (controllers[i] as AbortController).signal)))).toBe(
      true,
    );
    expect(calls.versions).toBe(1);
    const pending = ids.map((id, i) => {
      let settled = false;
      const watch = watches.watch(id, (controllers[i] as AbortController).signal).then(() => {
        settled = true;
      });
      return { id, watch, settled: () => settled };
    });
    const before = { ...calls };
    await until(() => calls.dataVersion >= before.dataVersion + 10, "ten more ticks");
    // Nobody else wrote: ticks read the counter only, never the jobs.
    expect(calls.versions).toBe(before.versions);
    expect(pending.filter((watch) => watch.settled())).toEqual([]);

    await file.theirs.write("a", { ...queued(), state: "running" });
    await until(() => pending[0]?.settled() === true, "the watch of the job that started wakes");
    expect(calls.versions).toBe(before.versions + 1);
    expect(calls.jobsRead).toBe(before.jobsRead + ids.length);
    expect(pending.filter((watch) => watch.settled()).map((watch) => watch.id)).toEqual(["a"]);
    expect(watches.size).toBe(ids.length - 1);

    for (const controller of controllers) controller.abort();
    expect(await allSettle(pending.map((watch) => watch.watch))).toBe(true);
    expect(watches.size).toBe(0);
    await until(() => !watches.polling, "the loop stops with its last watch");
    const idle = calls.dataVersion;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.dataVersion).toBe(idle);
  });

  it("a change committed between two ticks wakes a watch that began before it, round after round", async () => {
    const file = await files();
    cleanups.push(file.close);
    await file.theirs.insert("job", queued());
    const { source } = countingSource(file.mine, file.table);
    const watches = new DiskWatches(source, 1);
    cleanups.push(async () => watches.close());
    const signal = new AbortController().signal;
    await watches.watch("job", signal); // the first read is the baseline
    for (let seq = 1; seq <= 50; seq++) {
      const watch = watches.watch("job", signal);
      // Commits land at any point of the loop's cycle: before, during and after its reads.
      if (seq % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      await file.theirs.write("job", { ...queued(), state: "running", seq, progress: { seq, value: seq } });
      expect(await allSettle([watch]), `round ${seq}`).toBe(true);
    }
  });

  it("a failing file wakes the watches (their takes report it) and is reported once per tick", async () => {
    const errors: unknown[] = [];
    let fail = true;
    const source: WatchSource = {
      isLocal: () => false,
      dataVersion: async () => {
        if (fail) throw new Error("disk I/O error");
        return 1;
      },
      versions: async (jobIds) => new Map(jobIds.map((id) => [id, "running:0"])),
      error: (error) => errors.push(error),
    };
    const watches = new DiskWatches(source, 1);
    const controller = new AbortController();
    expect(await allSettle([watches.watch("x", controller.signal), watches.watch("y", controller.signal)])).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    fail = false;
    await allSettle([watches.watch("x", controller.signal)]);
    const pending = watches.watch("x", controller.signal);
    watches.close();
    expect(await allSettle([pending])).toBe(true);
    expect(await allSettle([watches.watch("z", controller.signal)])).toBe(true);
    expect(watches.size).toBe(0);
    await until(() => !watches.polling, "a closed loop stops");
  });

  it("watches of jobs this process runs never start the loop", async () => {
    const { calls, source } = countingSource(undefined as never, undefined as never);
    const watches = new DiskWatches({ ...source, isLocal: () => true }, 1);
    const controller = new AbortController();
    const pending = Array.from({ length: 1_000 }, (_, i) => watches.watch(`local-${i % 10}`, controller.signal));
    expect(watches.polling).toBe(false);
    watches.notify("local-3");
    expect(watches.size).toBe(900);
    controller.abort();
    expect(await allSettle(pending)).toBe(true);
    expect(calls).toEqual({ dataVersion: 0, versions: 0, jobsRead: 0 });
    expect(watches.size).toBe(0);
  });
});

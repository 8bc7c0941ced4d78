import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MapManager } from "../../docs/examples/minimal-manager.js";
import {
  ALL,
  type BackgroundCallbackManager,
  callback,
  Dash,
  Input,
  Output,
  type RunningApp,
} from "../../src/index.js";
import { diskManager } from "../fixtures/queued-app.js";
import { Page, queuedTests, release, resultOf, startBlocker, statusIn } from "../fixtures/queued-scenarios.js";

// The DiskManager runs one job at a time in its own worker process; the app serves in this
// process; the second web process is a second DiskManager on the same SQLite file.
const dir = mkdtempSync(join(tmpdir(), "bgcb-queued-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("queued on the DiskManager, over HTTP", () => {
  queuedTests(() => diskManager(join(dir, "cache.sqlite")), dir);
});

/** Serves an app on `manager` for the length of `test`, with what the server logged meanwhile. */
async function withApp(manager: BackgroundCallbackManager, test: (url: string, logged: string[]) => Promise<void>) {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
  });
  const app = new Dash({ backgroundCallbackManager: manager, firstResponseWaitMs: 0, longPollMs: 1_000 });
  const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  try {
    await test(running.url, logged);
  } finally {
    spy.mockRestore();
    await running.close();
  }
}

describe("queued with other managers and options", () => {
  it("a manager without position(): accepted, one warning per callback at start-up naming the manager, nothing shown", async () => {
    const workerModule = fileURLToPath(new URL("../fixtures/queued-app.ts", import.meta.url));
    await withApp(new MapManager({ workerModule }), async (url, logged) => {
      const page = await Page.open(url);
      const path = join(dir, "map-job");
      const first = await page.start("q", path);
      expect(first.status, first.text).toBe(200);
      expect(first.body.sideUpdate).toBeUndefined();
      expect(first.body.progressDefault).toEqual({ "q-status.children": "Your job is running" });
      release(path);
      expect(await resultOf(page, "q", path, first)).toEqual({ "q-out": { children: "done map-job" } });
      const warnings = logged.filter((line) => line.includes("has no position()"));
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toContain(
        'Callback "q-out.children" has `queued`, but its manager (MapManager) has no position(): the page will not show queue positions',
      );
    });
  });

  it("on a running output: the position shows, and no progressDefault overrides running's off value", async () => {
    await withApp(diskManager(join(dir, "running.sqlite")), async (url) => {
      const blocker = await startBlocker(url, dir);
      const page = await Page.open(url);
      const path = join(dir, "with-running");
      const first = await page.start("q-r", path);
      expect(statusIn(first, "q-r-status")).toBe("0 ahead");
      expect(first.body.progressDefault).toBeUndefined();
      release(blocker.path);
      release(path);
      expect(await resultOf(page, "q-r", path, first)).toEqual({ "q-r-out": { children: "done with-running" } });
    });
  });
});

describe("the queued option", () => {
  it("is validated at registration: shape, JSON started value, no wildcard, not an output, background only", () => {
    const define = (options: Record<string, unknown>) => () =>
      callback(
        {
          output: Output(`qv-${Math.random()}`, "children"),
          inputs: Input("qv-in", "value"),
          progress: Output("qv-progress", "value"),
          background: true,
          ...options,
        },
        () => "x",
      );
    const status = Output("qv-status", "children");
    expect(define({ queued: [status] })).toThrow(/Expected `queued` to be \[Output/);
    expect(define({ queued: [status, "text"] })).toThrow(/Expected `queued`/);
    expect(define({ queued: [Input("qv-status", "children"), String] })).toThrow(/Expected `queued`/);
    expect(define({ queued: [status, String, () => 1] })).toThrow(/JSON `started`/);
    expect(define({ queued: [status, String, null, 4] })).toThrow(/Expected `queued`/);
    expect(define({ queued: [Output({ type: "s", index: ALL }, "children"), String] })).toThrow(/wildcard/);
    expect(define({ queued: [Output("qv-progress", "value"), String] })).toThrow(/is a progress output/);
    expect(() =>
      callback(
        {
          output: Output("qv-same", "children"),
          inputs: Input("qv-in", "value"),
          background: true,
          queued: [Output("qv-same", "children"), String],
        },
        () => "x",
      ),
    ).toThrow(/is one of the callback's outputs; the result would overwrite the queue position/);
    expect(() =>
      callback(
        { output: Output("qv-normal", "children"), inputs: Input("qv-in", "value"), queued: [status, String] },
        () => "x",
      ),
    ).toThrow(/`queued` applies to background callbacks only/);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALL, callback, Input, Output } from "../../src/index.js";
import { diskManager } from "../fixtures/queued-app.js";
import { queuedTests } from "../fixtures/queued-scenarios.js";

// The DiskManager runs one job at a time in its own worker process; the app serves in this
// process; the second web process is a second DiskManager on the same SQLite file.
const dir = mkdtempSync(join(tmpdir(), "bgcb-queued-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("queued on the DiskManager, over HTTP", () => {
  queuedTests(() => diskManager(join(dir, "cache.sqlite")), dir);
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

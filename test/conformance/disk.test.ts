import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceSuite } from "background-callbacks/testing";
import { afterAll, describe, it } from "vitest";
import { DIR_ENV, LEASE_MS } from "../fixtures/conformance/disk-factory.js";

process.env[DIR_ENV] = mkdtempSync(join(tmpdir(), "bgcb-conformance-"));
afterAll(() => rmSync(process.env[DIR_ENV] as string, { recursive: true, force: true }));

// The factory opens one SQLite file per namespace; the shared tests open it in a second process.
runConformanceSuite({
  name: "DiskManager",
  describe,
  it,
  factory: new URL("../fixtures/conformance/disk-factory.ts", import.meta.url),
  leaseMs: LEASE_MS,
});

import { runConformanceSuite } from "background-callbacks/testing";
import { describe, it } from "vitest";
import { LEASE_MS } from "../fixtures/conformance/disk-factory.js";

// The factory opens one SQLite file per namespace; the shared tests open it in a second process.
runConformanceSuite({
  name: "DiskManager",
  describe,
  it,
  factory: new URL("../fixtures/conformance/disk-factory.ts", import.meta.url),
  leaseMs: LEASE_MS,
});

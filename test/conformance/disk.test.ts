import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DiskManager } from "../../managers/disk/index.js";
import { runConformanceSuite } from "../../src/testing/index.js";

// A fresh SQLite file per manager: managers from two create() calls must not share jobs.
const freshFile = () => join(mkdtempSync(join(tmpdir(), "bgcb-conformance-")), "jobs.sqlite");

runConformanceSuite({
  name: "DiskManager",
  describe,
  it,
  create: (options) => new DiskManager({ ...options, path: freshFile() }),
});

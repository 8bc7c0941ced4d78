import { DiskManager } from "background-callbacks/managers/disk";

export const manager = new DiskManager({ path: "./cache.sqlite", concurrency: 2 });

// Notices a crashed web process within 4 s; leaseMs ≥ heartbeatMs + 2 × busyTimeoutMs (3_500).
export const quickToNoticeCrashes = new DiskManager({
  path: "./cache.sqlite",
  heartbeatMs: 500,
  busyTimeoutMs: 1_500,
  leaseMs: 4_000,
});

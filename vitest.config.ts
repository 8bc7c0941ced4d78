import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { SlowestFirst } from "./test/setup/sequencer.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by name, as users do; these point it at the source.
    alias: [
      { find: /^background-callbacks$/, replacement: here("./src/index.ts") },
      { find: /^background-callbacks\/testing$/, replacement: here("./src/testing/index.ts") },
      { find: /^background-callbacks\/managers\/disk$/, replacement: here("./managers/disk/index.ts") },
      { find: /^background-callbacks\/managers\/queue$/, replacement: here("./managers/queue/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Most files wait (timers, leases, child processes, a browser) rather than compute: three at a
    // time fill two cores (vitest's default, one less than the cores, would run one). Every file
    // keeps to its own temporary directory, Redis key prefix, queue names and free ports, and
    // signals only the processes it started, so files may overlap.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Slowest files first, so the run does not end waiting on one long file.
    sequence: { sequencer: SlowestFirst },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
  },
});

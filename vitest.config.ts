import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
  },
});

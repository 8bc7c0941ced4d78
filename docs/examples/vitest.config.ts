import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The suite file, wherever it sits. The suite sets each test's timeout itself.
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**"],
  },
});

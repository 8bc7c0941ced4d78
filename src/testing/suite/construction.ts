import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { ConstructReport } from "../construct.js";
import { CONSTRUCT_JOB } from "../factory.js";
import { resultOf, submit, withManager } from "./helpers.js";
import type { Suite } from "./options.js";

const LAZY =
  "Worker processes import the app module, which constructs its managers there too: construct lazily — start pools and connections on first submit (a worker process never submits), never in the constructor";

/** The suite's job module constructs the manager under test in every worker process, as apps do. */
export function constructionGroup(suite: Suite): void {
  suite.describe("construction", () => {
    suite.test(
      "constructing the manager inside a worker process, as an app module does, throws nothing and starts nothing",
      30_000,
      async () => {
        await withManager(suite, { concurrency: 1 }, async (manager) => {
          const report = (await resultOf(
            manager,
            await submit(manager, CONSTRUCT_JOB),
            suite.scale(15_000),
          )) as unknown as ConstructReport;
          assert.notEqual(
            report.factory,
            null,
            'No `factory` module was given, so the suite cannot construct your manager in a worker process as an app does. Pass `factory: new URL("./factory.ts", import.meta.url)`, a module whose default export takes the suite\'s options and returns a fresh manager',
          );
          const where = fileURLToPath(report.factory as string);
          assert.equal(
            report.error,
            undefined,
            `The factory in "${where}" failed inside a worker process: ${report.error}. ${LAZY}`,
          );
          assert.ok(report.constructed, `The factory in "${where}" returned nothing inside a worker process`);
          assert.deepEqual(
            report.started,
            [],
            `Constructing the manager inside a worker process started ${report.started.join(", ")} (a process or a connection). ${LAZY}`,
          );
        });
      },
    );
  });
}

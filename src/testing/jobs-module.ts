import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The jobs module next to this file: `jobs.ts` in a source checkout, the built `testing-jobs.js`
 * otherwise. Never throws, so importing `background-callbacks/testing` for `MemoryManager` alone
 * works even where the jobs module is missing; a worker then reports the path it could not load.
 */
function jobsModule(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "jobs.ts"), join(here, "jobs.js"), join(here, "testing-jobs.js")];
  return candidates.find((file) => existsSync(file)) ?? join(here, "testing-jobs.js");
}

/**
 * The absolute path of the module that registers the conformance suite's job functions. The
 * suite passes it to `create` as `workerModule`; the manager's worker processes must load it.
 */
export const conformanceJobsModule: string = jobsModule();

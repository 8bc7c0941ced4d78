import { describe } from "vitest";
import { clientLimitTests } from "../fixtures/queued-limits.js";
import { useQueuedWorker } from "../fixtures/queued-scenarios.js";

// Real Redis and one CLI worker (`--concurrency 1`) for the queue every app of this file uses.
const { dir, manager } = useQueuedWorker("limited");

describe("maxQueuedPerClient on the QueueManager (Redis, a CLI worker), over HTTP", () => {
  clientLimitTests(manager, dir);
});

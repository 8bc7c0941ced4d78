import { describe } from "vitest";
import { queuedTests, useQueuedWorker } from "../fixtures/queued-scenarios.js";

// Real Redis and one CLI worker (`--concurrency 1`); the web side serves in this process, the
// second web process is a second QueueManager on the same queue.
const { dir, manager } = useQueuedWorker("queued");

describe("queued on the QueueManager (Redis, a CLI worker), over HTTP", () => {
  queuedTests(manager, dir);
});

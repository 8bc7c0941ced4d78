import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe } from "vitest";
import { queueManager } from "../fixtures/queued-app.js";
import { queuedTests } from "../fixtures/queued-scenarios.js";
import { Proc, workerStarted } from "../managers/queue/processes.js";
import { deleteKeys, redisUrl, uniqueName } from "../managers/queue/redis.js";

// Real Redis, and one CLI worker process (`background-callbacks worker test/fixtures/queued-app.ts
// --concurrency 1`); the web side serves in this process, the second web process is a second
// QueueManager on the same queue.
const cli = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
const appModule = fileURLToPath(new URL("../fixtures/queued-app.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bgcb-queued-queue-"));
const prefix = uniqueName("queued");
const queueName = "queued";
let url = "";
let worker: Proc | undefined;

beforeAll(async () => {
  url = await redisUrl();
  worker = new Proc([cli, "worker", appModule, "--concurrency", "1"], {
    QUEUED_REDIS_URL: url,
    QUEUED_PREFIX: prefix,
    QUEUED_QUEUE: queueName,
  });
  await workerStarted(worker, queueName);
}, 60_000);

afterAll(async () => {
  await worker?.stop("SIGTERM");
  await deleteKeys(url, `${prefix}:*`);
  rmSync(dir, { recursive: true, force: true });
});

describe("queued on the QueueManager (Redis, a CLI worker), over HTTP", () => {
  queuedTests(() => queueManager(url, prefix, queueName), dir);
});

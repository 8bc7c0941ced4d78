import { runConformanceSuite } from "background-callbacks/testing";
import { afterAll, describe, it } from "vitest";
import { LEASE_MS, PREFIX_ENV, REDIS_URL_ENV } from "../fixtures/conformance/queue-factory.js";
import { deleteKeys, redisUrl, uniqueName } from "../managers/queue/redis.js";

const connection = await redisUrl();
const prefix = uniqueName("conformance");
// Worker processes and the shared tests' second processes inherit these.
process.env[REDIS_URL_ENV] = connection;
process.env[PREFIX_ENV] = prefix;
afterAll(() => deleteKeys(connection, `${prefix}:*`));

// One queue per namespace; each manager runs its jobs on an in-process worker, which close() stops.
runConformanceSuite({
  name: "QueueManager",
  describe,
  it,
  factory: new URL("../fixtures/conformance/queue-factory.ts", import.meta.url),
  leaseMs: LEASE_MS,
});

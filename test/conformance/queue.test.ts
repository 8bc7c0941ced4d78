import { QueueManager } from "background-callbacks/managers/queue";
import { runConformanceSuite } from "background-callbacks/testing";
import { afterAll, describe, it } from "vitest";
import { deleteKeys, redisUrl, uniqueName } from "../managers/queue/redis.js";

const connection = await redisUrl();
const prefix = uniqueName("conformance");
let queues = 0;
afterAll(() => deleteKeys(connection, `${prefix}:*`));

// Each manager gets its own queue and an in-process worker; its close() stops both.
runConformanceSuite({
  name: "QueueManager",
  describe,
  it,
  create: async (options) => {
    const manager = new QueueManager({ ...options, connection, prefix, queueName: `q${queues++}` });
    await manager.startWorker();
    return manager;
  },
});

/**
 * `background-callbacks/managers/queue`: the production manager on BullMQ and Redis, with workers
 * started by the `background-callbacks worker` CLI.
 * @packageDocumentation
 */
export { QueueManager } from "./manager.js";
export type { QueueManagerOptions, RedisClient } from "./options.js";

/**
 * The manager every example uses: the QueueManager when `REDIS_URL` is set (start workers with
 * `npx background-callbacks worker examples/<name>.ts`), the embedded DiskManager otherwise.
 */
import type { BackgroundCallbackManager } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";
import { QueueManager } from "background-callbacks/managers/queue";

export function exampleManager(name: string): BackgroundCallbackManager {
  return process.env.REDIS_URL
    ? new QueueManager({ connection: process.env.REDIS_URL, queueName: `example-${name}` })
    : new DiskManager({ path: process.env.CACHE_PATH ?? "./cache.sqlite", namespace: `example-${name}` });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

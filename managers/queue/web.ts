import type { Queue } from "bullmq";
import type { BackgroundCallbackError } from "../../src/index.js";
import type { QueueJobData } from "./jobs.js";
import type { QueueKeys } from "./keys.js";
import type { RedisClient, ResolvedQueueOptions } from "./options.js";
import { backendError, createClient, type Dependencies, loadDependencies, type OwnedClient } from "./redis.js";
import { JobStore } from "./store.js";

/** What a message about a missing worker tells the user to do. */
export const START_HINT = "Start one with `npx background-callbacks worker <your app module>`.";

/** The web side: one client (the user's, or one made from the URL), BullMQ's `Queue`, the store. */
export interface WebSide {
  readonly deps: Dependencies;
  readonly client: OwnedClient;
  /** Whether the manager created the client (and so closes it). */
  readonly owned: boolean;
  readonly store: JobStore;
  queue?: Queue<QueueJobData, void>;
  /** The first connection, shared by the calls that wait for it; cleared when it fails. */
  connecting?: Promise<void>;
}

/**
 * Imports the dependencies and builds the web side (no I/O yet). `onNoWorker` runs when a read
 * ended a queued job because no worker runs.
 */
export async function createWebSide(
  options: ResolvedQueueOptions,
  keys: QueueKeys,
  onNoWorker: (side: WebSide, jobId: string) => void,
): Promise<WebSide> {
  const deps = await loadDependencies();
  const { connection } = options;
  const owned = "url" in connection;
  const client: OwnedClient = owned
    ? createClient(deps, connection, "web")
    : { client: connection.client as RedisClient };
  const { queueName, ttlMs, leaseMs, noWorkerTimeoutMs } = options;
  const store = new JobStore(client.client, {
    keys,
    ttlMs,
    leaseMs,
    noWorkerMs: noWorkerTimeoutMs,
    noWorkerMessage: `No worker runs for queue "${queueName}": none has served it for ${noWorkerTimeoutMs / 1000} s. ${START_HINT}`,
    onNoWorker: (jobId) => onNoWorker(side, jobId),
  });
  const side: WebSide = { deps, client, owned, store };
  return side;
}

/** BullMQ's `Queue` of the web side, created on first use. */
export function queueOf(side: WebSide, options: ResolvedQueueOptions): Queue<QueueJobData, void> {
  if (side.queue === undefined) {
    side.queue = new side.deps.bullmq.Queue<QueueJobData, void>(options.queueName, {
      connection: side.client.client,
      prefix: options.prefix,
    });
    // Failures reach the caller of each call; without a listener they would crash the process.
    side.queue.on("error", () => undefined);
  }
  return side.queue;
}

/** Runs a Redis call of the web side; a failure becomes `BACKEND`, naming `action`. */
export async function callBackend<T>(
  side: WebSide,
  options: ResolvedQueueOptions,
  action: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw backendFailure(side, options, action, error);
  }
}

/** A `BACKEND` error for a failed call, telling an outage from a refused command. */
export function backendFailure(
  side: WebSide,
  options: ResolvedQueueOptions,
  action: string,
  error: unknown,
): BackgroundCallbackError {
  const down = side.client.client.status === "ready" ? undefined : (side.client.lastError ?? true);
  return backendError(action, options.connection.shown, error, down);
}

import { createHash } from "node:crypto";
import { BackgroundCallbackError } from "../../src/index.js";
import type { ConnectionSpec, RedisClient } from "./options.js";
import { isCluster } from "./options.js";

/** How long a first connection may take before a call fails with `BACKEND` (the client keeps trying). */
export const CONNECT_WAIT_MS = 2_000;

/** What the QueueManager takes from its optional peer dependencies. */
export interface Dependencies {
  readonly bullmq: typeof import("bullmq");
  readonly Redis: typeof import("ioredis").Redis;
}

const defaultLoad = async (): Promise<Dependencies> => {
  const [bullmq, ioredis] = await Promise.all([import("bullmq"), import("ioredis")]);
  return { bullmq, Redis: ioredis.Redis };
};

let loaded: Promise<Dependencies> | undefined;

/**
 * Imports `bullmq` and `ioredis`, once. They are optional peers: only the QueueManager needs them.
 * @throws `DEPENDENCY_MISSING` when either is not installed.
 */
export async function loadDependencies(load: () => Promise<Dependencies> = defaultLoad): Promise<Dependencies> {
  if (load === defaultLoad) loaded ??= load();
  const pending = load === defaultLoad ? (loaded as Promise<Dependencies>) : load();
  try {
    return await pending;
  } catch (error) {
    if (load === defaultLoad) loaded = undefined;
    throw new BackgroundCallbackError(
      "DEPENDENCY_MISSING",
      "[background-callbacks:queue] Cannot import `bullmq` and `ioredis`, which the QueueManager needs. Run `npm install bullmq ioredis`",
      { cause: error },
    );
  }
}

/** A client made for one use, and whether the manager must close it. */
export interface OwnedClient {
  readonly client: RedisClient;
  /** Last connection error seen, for messages. */
  lastError?: Error;
}

/**
 * Creates a client for `use`:
 * - `web`: fails fast while Redis is unreachable (no offline queue), as BullMQ advises for producers,
 *   and within {@link CONNECT_WAIT_MS} when a connected Redis stops answering;
 * - `worker`: waits through outages (`maxRetriesPerRequest: null`, offline queue), as BullMQ's
 *   Worker requires, so that no outcome is lost while Redis restarts.
 * A URL gives a new client; an instance given by the user is duplicated (it stays the user's).
 */
export function createClient(deps: Dependencies, connection: ConnectionSpec, use: "web" | "worker"): OwnedClient {
  const options =
    use === "web"
      ? { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: CONNECT_WAIT_MS }
      : { lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: null };
  let client: RedisClient;
  if ("url" in connection) client = new deps.Redis(connection.url, options);
  else if (isCluster(connection.client)) {
    const { redisOptions } = connection.client.options;
    client = connection.client.duplicate(undefined, {
      ...options,
      redisOptions: { ...redisOptions, maxRetriesPerRequest: options.maxRetriesPerRequest },
    });
  } else client = connection.client.duplicate(options);
  const owned: OwnedClient = { client };
  client.on("error", (error: Error) => {
    owned.lastError = error;
  });
  return owned;
}

/** Duplicates an owned client (same options), e.g. for pub/sub. */
export function duplicateClient(owned: OwnedClient): OwnedClient {
  const client: RedisClient = isCluster(owned.client) ? owned.client.duplicate() : owned.client.duplicate();
  const copy: OwnedClient = { client };
  client.on("error", (error: Error) => {
    copy.lastError = error;
  });
  return copy;
}

/**
 * Resolves once `client` is ready, connecting it when it is lazy.
 * @throws `BACKEND` at the first connection error, or when it is not ready within `timeoutMs`
 *   (the client keeps trying in the background either way).
 */
export async function waitReady(owned: OwnedClient, timeoutMs: number, where: string): Promise<void> {
  const { client } = owned;
  if (client.status === "ready" || (client.status === "connect" && isCluster(client))) return;
  if (client.status === "end") {
    throw new BackgroundCallbackError(
      "BACKEND",
      `[background-callbacks:queue] The Redis client for ${where} was closed`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  let onError: ((error: Error) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onError = (error) => reject(unreachable(where, error, timeoutMs));
      client.once("ready", onReady);
      client.once("error", onError);
      timer = setTimeout(() => reject(unreachable(where, owned.lastError, timeoutMs)), timeoutMs);
      if (client.status === "wait") client.connect().catch(() => undefined);
    });
  } finally {
    clearTimeout(timer);
    if (onReady) client.off("ready", onReady);
    if (onError) client.off("error", onError);
  }
}

function unreachable(where: string, cause: Error | undefined, timeoutMs: number): BackgroundCallbackError {
  const reason = cause ? `${cause.message}` : `no answer within ${timeoutMs} ms`;
  return new BackgroundCallbackError(
    "BACKEND",
    `[background-callbacks:queue] Cannot reach Redis at ${where} (${reason}); check that it runs and that the URL is right`,
    { cause },
  );
}

/** Closes a client the manager created: QUIT, or a hard disconnect when Redis does not answer soon. */
export async function closeClient(owned: OwnedClient, timeoutMs = 1_000): Promise<void> {
  const { client } = owned;
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([client.quit().catch(() => undefined), timeout]);
  clearTimeout(timer);
  if ((client.status as string) !== "end") client.disconnect();
}

/** Whether Redis refused an EVALSHA because it does not have the script (it restarted). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/** A Lua script run with EVALSHA, falling back to EVAL when Redis does not have it (after a restart). */
export class Script {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash("sha1").update(lua).digest("hex");
  }

  /**
   * Runs the script. `strict`: a Redis without it rejects with NOSCRIPT (see {@link isNoScript})
   * instead of the EVAL that follows, which would run after commands sent meanwhile.
   */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    strict = false,
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (strict || !isNoScript(error)) throw error;
      return client.eval(this.#lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Wraps a Redis failure as `BACKEND`, naming what failed and where. `down` is the connection error
 * when the client is not connected (the command failed fast instead of waiting).
 */
export function backendError(
  action: string,
  where: string,
  error: unknown,
  down?: Error | true,
): BackgroundCallbackError {
  if (error instanceof BackgroundCallbackError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const problem =
    down === true
      ? "is unreachable (connection lost)"
      : down
        ? `is unreachable (${down.message})`
        : reason === "Command timed out"
          ? `did not answer within ${CONNECT_WAIT_MS} ms`
          : `failed (${reason})`;
  return new BackgroundCallbackError(
    "BACKEND",
    `[background-callbacks:queue] Cannot ${action}: Redis at ${where} ${problem}; retry once it is back`,
    { cause: error },
  );
}

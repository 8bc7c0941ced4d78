import type { Cluster, Redis } from "ioredis";
import {
  assertInteger,
  describeValue,
  invalidArgument,
  type LocalWorkerOptions,
  resolveLocalWorkerOptions,
} from "../../src/index.js";
import { hashTag } from "./keys.js";

/** A client the QueueManager can use: an ioredis `Redis` or `Cluster` instance. */
export type RedisClient = Redis | Cluster;

/**
 * Options of {@link QueueManager}. Every duration is in milliseconds. `concurrency` and
 * `cancelGraceMs` apply to the worker processes started for this manager (by the worker CLI or
 * `startWorker`); `workerModule` is the module those workers load when none is given.
 */
export interface QueueManagerOptions extends LocalWorkerOptions {
  /**
   * The Redis server: a URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS), or an
   * ioredis `Redis` or `Cluster` instance. An instance you pass is used as it is and never
   * closed; the workers use duplicates of it (with `maxRetriesPerRequest: null`), which they close.
   */
  readonly connection: string | RedisClient;
  /** The BullMQ queue name. Managers with another name share nothing. No `:`. @default "background-callbacks" */
  readonly queueName?: string;
  /**
   * Prefix of every key: BullMQ's and this manager's. Put it in braces (`"{bgcb}"`) for Redis
   * Cluster, so that every key of the queue lands in one hash slot. @default "bgcb"
   */
  readonly prefix?: string;
  /** A job whose worker has not renewed its lease for this long is `lost` (or re-run, see `retryLost`). @default 10_000 */
  readonly leaseMs?: number;
  /** How often a worker renews the leases of its jobs. At most half of `leaseMs`. @default 2_000 */
  readonly heartbeatMs?: number;
  /**
   * Let a job start a second time when its first run did not end: its worker died, stalled past
   * `leaseMs`, or shut down before the job ended. Every start counts, so a job starts at most
   * twice, then ends `lost`. A stalled worker's run can overlap the second run until the stalled
   * worker resumes and stops it. Only for jobs that are safe to run twice. @default false
   */
  readonly retryLost?: boolean;
  /**
   * A queued job ends with an `error` outcome ("no worker runs for queue ...") when no live worker
   * has served the queue for this long (counted from the job's submission at the earliest), and
   * the web process warns once. At least `leaseMs`; `0` turns the check off.
   * @default 30_000, or `leaseMs` when that is longer
   */
  readonly noWorkerTimeoutMs?: number;
}

/** Where the manager connects: a URL (the manager creates and closes its clients) or a client. */
export type ConnectionSpec =
  | { readonly url: string; readonly shown: string }
  | { readonly client: RedisClient; readonly shown: string };

/** {@link QueueManagerOptions} checked, with defaults filled in. */
export interface ResolvedQueueOptions extends Required<Omit<QueueManagerOptions, "connection">> {
  readonly connection: ConnectionSpec;
}

const PART = "queue";

/** Checks every option (no I/O) and fills in the defaults. */
export function resolveQueueOptions(options: QueueManagerOptions): ResolvedQueueOptions {
  const connection = resolveConnection(options.connection);
  const { queueName, prefix } = resolveNames(options);
  if ("client" in connection && isCluster(connection.client) && hashTag(`${prefix}:${queueName}:`) === undefined) {
    throw invalidArgument(
      PART,
      `With Redis Cluster every key of the queue must be in one hash slot: put a hash tag in \`prefix\`, e.g. "{${prefix}}", got ${describeValue(prefix)}`,
    );
  }
  const resolved: ResolvedQueueOptions = {
    ...resolveLocalWorkerOptions(PART, options),
    connection,
    queueName,
    prefix,
    leaseMs: options.leaseMs ?? 10_000,
    heartbeatMs: options.heartbeatMs ?? 2_000,
    retryLost: options.retryLost ?? false,
    noWorkerTimeoutMs: options.noWorkerTimeoutMs ?? Math.max(30_000, options.leaseMs ?? 10_000),
  };
  assertInteger(PART, "leaseMs", resolved.leaseMs, 100);
  assertInteger(PART, "heartbeatMs", resolved.heartbeatMs, 10);
  if (resolved.leaseMs < resolved.heartbeatMs * 2) {
    throw invalidArgument(
      PART,
      `Expected \`leaseMs\` to be at least twice \`heartbeatMs\` (${resolved.heartbeatMs}), got ${describeValue(resolved.leaseMs)}`,
    );
  }
  assertInteger(PART, "noWorkerTimeoutMs", resolved.noWorkerTimeoutMs, 0);
  if (resolved.noWorkerTimeoutMs !== 0 && resolved.noWorkerTimeoutMs < resolved.leaseMs) {
    throw invalidArgument(
      PART,
      `Expected \`noWorkerTimeoutMs\` to be 0 (off) or at least \`leaseMs\` (${resolved.leaseMs}), got ${describeValue(resolved.noWorkerTimeoutMs)}`,
    );
  }
  if (typeof resolved.retryLost !== "boolean") {
    throw invalidArgument(PART, `Expected \`retryLost\` to be a boolean, got ${describeValue(resolved.retryLost)}`);
  }
  return resolved;
}

function resolveNames(options: QueueManagerOptions): { queueName: string; prefix: string } {
  const queueName = options.queueName ?? "background-callbacks";
  if (typeof queueName !== "string" || !/^[^:\s]{1,100}$/.test(queueName)) {
    throw invalidArgument(
      PART,
      `Expected \`queueName\` to be 1 to 100 characters without ":" or spaces, got ${describeValue(queueName)}`,
    );
  }
  const prefix = options.prefix ?? "bgcb";
  if (
    typeof prefix !== "string" ||
    !/^\S{1,100}$/.test(prefix) ||
    (prefix.includes("{") && hashTag(prefix) === undefined)
  ) {
    throw invalidArgument(
      PART,
      `Expected \`prefix\` to be 1 to 100 characters without spaces (a hash tag as "{tag}"), got ${describeValue(prefix)}`,
    );
  }
  return { queueName, prefix };
}

function resolveConnection(connection: unknown): ConnectionSpec {
  if (typeof connection === "string") {
    const url = parseUrl(connection);
    if (url !== undefined && (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "") {
      return { url: connection, shown: redactUrl(url) };
    }
  } else if (isClient(connection)) {
    if (connection.options && "keyPrefix" in connection.options && connection.options.keyPrefix) {
      throw invalidArgument(
        PART,
        `The ioredis instance has \`keyPrefix\` ${describeValue(connection.options.keyPrefix)}, which BullMQ cannot use; leave it out and pass \`prefix\` to the QueueManager instead`,
      );
    }
    return { client: connection, shown: describeClient(connection) };
  }
  throw invalidArgument(
    PART,
    `Expected \`connection\` to be a Redis URL ("redis://host:port") or an ioredis Redis or Cluster instance, got ${describeValue(connection)}`,
  );
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== "") copy.password = "***";
  return copy.href.replace(/\/$/, "");
}

function isClient(value: unknown): value is RedisClient {
  if (value === null || typeof value !== "object") return false;
  const client = value as Record<string, unknown>;
  return (
    typeof client.duplicate === "function" && typeof client.evalsha === "function" && typeof client.status === "string"
  );
}

/** Whether `client` is an ioredis `Cluster`. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

function describeClient(client: RedisClient): string {
  if (isCluster(client)) return "a Redis Cluster (ioredis instance)";
  const { host, port, path } = client.options as { host?: string; port?: number; path?: string };
  return path
    ? `redis+unix://${path} (ioredis instance)`
    : `redis://${host ?? "localhost"}:${port ?? 6379} (ioredis instance)`;
}

import {
  assertInteger,
  describeValue,
  invalidArgument,
  type LocalWorkerOptions,
  resolveLocalWorkerOptions,
} from "../../src/index.js";

/** Options of the DiskManager. Every duration is in milliseconds. */
export interface DiskManagerOptions extends LocalWorkerOptions {
  /** The SQLite file; created when missing. Share it between processes to share jobs. @default "./background-callbacks.sqlite" */
  readonly path?: string;
  /**
   * How long one statement waits for another process's lock before it fails with `BACKEND`.
   * `leaseMs` must be at least `heartbeatMs + 2 × busyTimeoutMs`, so that lock waits alone never
   * let a live process's lease run out.
   * @default 4_000, or less when `leaseMs` is short: `(leaseMs - heartbeatMs) / 2`
   */
  readonly busyTimeoutMs?: number;
  /** How often this process checks whether another process cancelled one of its running jobs. @default 100 */
  readonly cancelPollMs?: number;
  /** How often a process with unended jobs renews its lease. @default 1_000 */
  readonly heartbeatMs?: number;
  /**
   * A job whose process has not renewed its lease for this long is `lost`, for good. At least
   * twice `heartbeatMs`, and at least `heartbeatMs + 2 × busyTimeoutMs`.
   * @default 10_000
   */
  readonly leaseMs?: number;
  /** How often expired records are deleted and jobs of dead processes are ended `lost`. @default 60_000 */
  readonly sweepIntervalMs?: number;
  /**
   * How often `watch` looks for news of jobs that other processes run, while such a watch is
   * pending: one read of the file's change counter per tick, and one read of the watched jobs
   * when another process changed the file. Jobs this process runs are told at once.
   * @default 15
   */
  readonly watchPollMs?: number;
  /** Prefix of every key, so several apps can share one file. @default "bgcb" */
  readonly namespace?: string;
}

/** The options with their defaults filled in. */
export type ResolvedDiskOptions = Required<DiskManagerOptions>;

const PART = "disk";

/** Checks the options and fills in the defaults; throws `INVALID_ARGUMENT` naming the first bad option. */
export function resolveDiskOptions(options: DiskManagerOptions): ResolvedDiskOptions {
  const path = options.path ?? "./background-callbacks.sqlite";
  if (typeof path !== "string" || path.length === 0) {
    throw invalidArgument(PART, `Expected \`path\` to be the path of a SQLite file, got ${describeValue(path)}`);
  }
  const namespace = options.namespace ?? "bgcb";
  if (typeof namespace !== "string" || !/^[\w.-]{1,64}$/.test(namespace)) {
    throw invalidArgument(
      PART,
      `Expected \`namespace\` to be 1 to 64 letters, digits, "_", "." or "-", got ${describeValue(namespace)}`,
    );
  }
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 10_000;
  for (const [name, value] of Object.entries({ heartbeatMs, leaseMs })) assertInteger(PART, name, value, 1);
  if (leaseMs < heartbeatMs * 2) {
    throw invalidArgument(
      PART,
      `Expected \`leaseMs\` to be at least twice \`heartbeatMs\` (${heartbeatMs}), got ${describeValue(leaseMs)}`,
    );
  }
  const resolved: ResolvedDiskOptions = {
    ...resolveLocalWorkerOptions(PART, options),
    path,
    namespace,
    heartbeatMs,
    leaseMs,
    busyTimeoutMs: options.busyTimeoutMs ?? Math.max(1, Math.min(4_000, Math.floor((leaseMs - heartbeatMs) / 2))),
    cancelPollMs: options.cancelPollMs ?? 100,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    watchPollMs: options.watchPollMs ?? 15,
  };
  for (const name of ["busyTimeoutMs", "cancelPollMs", "sweepIntervalMs", "watchPollMs"] as const) {
    assertInteger(PART, name, resolved[name], 1);
  }
  const needed = heartbeatMs + 2 * resolved.busyTimeoutMs;
  if (leaseMs < needed) {
    throw invalidArgument(
      PART,
      `Expected \`leaseMs\` to be at least \`heartbeatMs\` + 2 × \`busyTimeoutMs\` (${needed}), so that waiting for locks cannot outlast a lease, got ${describeValue(leaseMs)}`,
    );
  }
  return resolved;
}

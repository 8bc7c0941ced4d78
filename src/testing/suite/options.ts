import { randomBytes } from "node:crypto";
import { describeValue, invalidArgument } from "../../errors.js";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { factoryUrl, importFactory, type ManagerFactory, setFactorySpec } from "../factory.js";
import { conformanceJobsModule } from "../jobs-module.js";

/** What the suite asks `create` (or the factory module) for, once per manager a test needs. */
export interface ConformanceManagerOptions {
  /** The module worker processes must load: {@link conformanceJobsModule}. */
  readonly workerModule: string;
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Milliseconds a cancelled job may run on before its process is killed. */
  readonly cancelGraceMs: number;
  /** Milliseconds an ended job's record is kept (short in the expiry test, a day otherwise). */
  readonly ttlMs: number;
  /**
   * Fresh for every manager a test creates: up to 32 lowercase letters and digits, starting with a
   * letter. Two calls with the same namespace must open the same backend (the shared tests open it
   * in two processes); calls with different namespaces must share no jobs. Use it as the queue
   * name, key prefix, schema or file name.
   */
  readonly namespace: string;
}

/** Options of `runConformanceSuite` and of each group in `conformanceGroups`. */
export interface ConformanceOptions {
  /** The top-level `describe` name, e.g. `"DiskManager"`. */
  readonly name: string;
  /** The test runner's `describe` (vitest, jest, `node:test`). */
  readonly describe: (name: string, fn: () => void) => void;
  /** The test runner's `it`; the suite passes an explicit timeout in milliseconds to every test. */
  readonly it: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;
  /**
   * The module that exports your factory as `default` (or `create`): an absolute path or a `file:`
   * URL, e.g. `new URL("./factory.ts", import.meta.url)`. The factory takes
   * {@link ConformanceManagerOptions} and returns a fresh manager. The suite calls it in the test
   * process (unless `create` is given), at import in every worker process (as an app module
   * constructs its managers there), and in a second process for the shared tests. Without it the
   * test "constructing the manager in a worker process" fails.
   */
  readonly factory?: string | URL;
  /**
   * Returns a fresh manager; used in the test process instead of the factory module's export when
   * given. Pass the options on (`workerModule`, `concurrency`, `cancelGraceMs`, `ttlMs`, `namespace`).
   * One of `factory` and `create` is required.
   */
  readonly create?: (
    options: ConformanceManagerOptions,
  ) => BackgroundCallbackManager | Promise<BackgroundCallbackManager>;
  /**
   * Milliseconds after which a job whose process died or stalled must read `lost` in every other
   * process: your manager's lease as the factory configures it. Only the shared tests use it.
   * @default 10_000
   */
  readonly leaseMs?: number;
  /**
   * Multiplies every wait, time bound and test timeout; raise it for slow backends or CI machines.
   * The environment variable `BACKGROUND_CALLBACKS_TIME_SCALE` multiplies it again, for a loaded
   * machine without a change to the test file.
   * @default 1
   */
  readonly timeScale?: number;
}

/** Environment variable that multiplies `timeScale`, e.g. `3` on a loaded CI machine. */
export const TIME_SCALE_ENV = "BACKGROUND_CALLBACKS_TIME_SCALE";

/** What the groups pass to {@link Suite.create}; a missing namespace gets a fresh one. */
export type ManagerSettings = Omit<ConformanceManagerOptions, "namespace"> & { readonly namespace?: string };

/** The checked options, as the groups use them. */
export interface Suite {
  readonly name: string;
  readonly describe: ConformanceOptions["describe"];
  /** Creates a manager in this process, having told the processes it starts how to construct it. */
  readonly create: (settings: ManagerSettings) => Promise<BackgroundCallbackManager>;
  /** The factory module as a `file:` URL, when one was given. */
  readonly factory: string | undefined;
  readonly jobsModule: string;
  /** The `leaseMs` option, unscaled. */
  readonly leaseMs: number;
  /** `ms` multiplied by `timeScale`. */
  scale(ms: number): number;
  /** Declares one test with a timeout of `timeoutMs` × `timeScale`. */
  test(name: string, timeoutMs: number, fn: () => Promise<void>): void;
}

/** A fresh namespace: a letter and 16 hex digits. */
export const newNamespace = (): string => `n${randomBytes(8).toString("hex")}`;

/** Checks the options once, so a typo fails at once with a clear message. */
export function suiteOf(options: ConformanceOptions): Suite {
  if (options === null || typeof options !== "object") {
    throw invalidArgument("testing", `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const { name, describe, it } = options;
  if (typeof name !== "string" || name.length === 0) {
    throw invalidArgument("testing", `Expected \`name\` to be a non-empty string, got ${describeValue(name)}`);
  }
  for (const [key, fn] of Object.entries({ describe, it })) {
    if (typeof fn !== "function") {
      throw invalidArgument("testing", `Expected \`${key}\` to be a function, got ${describeValue(fn)}`);
    }
  }
  const fromEnv = process.env[TIME_SCALE_ENV];
  const timeScale =
    positive("timeScale", options.timeScale ?? 1) *
    (fromEnv === undefined || fromEnv === "" ? 1 : positive(TIME_SCALE_ENV, Number(fromEnv)));
  const leaseMs = positive("leaseMs", options.leaseMs ?? 10_000);
  const scale = (ms: number): number => Math.round(ms * timeScale);
  return {
    name,
    describe,
    create: creator(options),
    factory: options.factory === undefined ? undefined : factoryUrl(options.factory),
    jobsModule: conformanceJobsModule,
    leaseMs,
    scale,
    test: (testName, timeoutMs, fn) => it(testName, fn, scale(timeoutMs)),
  };
}

function positive(key: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument("testing", `Expected \`${key}\` to be a positive number, got ${describeValue(value)}`);
  }
  return value;
}

/** `create`, or the factory module's export, behind the spec the worker processes construct from. */
function creator(options: ConformanceOptions): Suite["create"] {
  const { create } = options;
  if (create !== undefined && typeof create !== "function") {
    throw invalidArgument("testing", `Expected \`create\` to be a function, got ${describeValue(create)}`);
  }
  if (create === undefined && options.factory === undefined) {
    throw invalidArgument(
      "testing",
      "Expected `factory` (the module that exports your manager's factory) or `create`, got neither",
    );
  }
  const module = options.factory === undefined ? undefined : factoryUrl(options.factory);
  let imported: Promise<ManagerFactory> | undefined;
  return async (settings) => {
    const managerOptions: ConformanceManagerOptions = { ...settings, namespace: settings.namespace ?? newNamespace() };
    setFactorySpec(module === undefined ? undefined : { module, options: managerOptions });
    if (create !== undefined) return create(managerOptions);
    imported ??= importFactory(module as string);
    return (await imported)(managerOptions);
  };
}

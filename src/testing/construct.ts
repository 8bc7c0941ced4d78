/**
 * Constructs the manager under test when the suite's job module is imported, as an app module
 * constructs its managers in every worker process, and registers a job that reports how it went.
 * A factory that throws or starts processes or connections here is caught and reported, so only
 * the test that asks fails, with a message that says what to change.
 *
 * @packageDocumentation
 */
import type { Json } from "../manager/contract.js";
import { registerJob } from "../worker/registry.js";
import { CONSTRUCT_JOB, factorySpec, importFactory } from "./factory.js";

/** What {@link CONSTRUCT_JOB} returns. */
export interface ConstructReport {
  /** The factory module's path, or `null` when the suite was given none. */
  readonly factory: string | null;
  /** The namespace the manager was constructed with. */
  readonly namespace: string | null;
  /** Why constructing failed: the factory threw, rejected, or took too long. */
  readonly error?: string;
  /** Kinds of resources that appeared after constructing, e.g. `"ProcessWrap"`. */
  readonly started: string[];
  /** Whether the factory returned something. */
  readonly constructed: boolean;
}

/** Handles that mean a process was started or a connection opened. */
const STARTED = /^(ProcessWrap|TCPSocketWrap|TCPWrap|TCPConnectWrap|PipeConnectWrap|GetAddrInfoReqWrap)$/;
const CONSTRUCT_LIMIT_MS = 10_000;

const count = (): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
};

/** The manager stays referenced for the life of the process, as an app module's would. */
let constructed: unknown;

async function construct(): Promise<{ factory: string | null; namespace: string | null; error?: string }> {
  const spec = factorySpec();
  if (spec === undefined) return { factory: null, namespace: null };
  const base = { factory: spec.module, namespace: spec.options.namespace };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`it did not finish within ${CONSTRUCT_LIMIT_MS} ms`)),
      CONSTRUCT_LIMIT_MS,
    );
  });
  try {
    const factory = await importFactory(spec.module);
    constructed = await Promise.race([factory(spec.options), limit]);
    return base;
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

const before = count();
const outcome = await construct();

registerJob(CONSTRUCT_JOB, (): Json => {
  // Counted when the suite asks, not at import: a manager that defers its start by a tick is caught too.
  const after = count();
  const started = [...after].filter(([kind, n]) => STARTED.test(kind) && n > (before.get(kind) ?? 0)).map(([k]) => k);
  const report: ConstructReport = { ...outcome, started, constructed: constructed !== undefined };
  return report as unknown as Json;
});

/**
 * What a job left behind in its worker process: timers, sockets, servers and other handles that
 * outlive it and may call back (and throw) while the next job runs.
 */

// The process's own traffic: IPC writes in flight and handles closing. They come and go on
// their own and never call into job code.
const TRANSIENT = new Set(["SimpleWriteWrap", "WriteWrap", "ShutdownWrap", "CloseReq"]);

function counts(): Map<string, number> {
  const result = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (!TRANSIENT.has(type)) result.set(type, (result.get(type) ?? 0) + 1);
  }
  return result;
}

/** The resources of an idle worker process; later calls compare against it. */
export interface Baseline {
  /** The resource types alive now beyond the baseline, one entry per extra resource. */
  extra(): string[];
}

/**
 * Takes the baseline of an idle worker process. stdout and stderr are opened first: Node opens
 * them on first use, and a job's first `console.log` must not count as a leftover.
 */
export function takeBaseline(): Baseline {
  void process.stdout;
  void process.stderr;
  const base = counts();
  return {
    extra() {
      const extra: string[] = [];
      for (const [type, count] of counts()) {
        for (let i = base.get(type) ?? 0; i < count; i++) extra.push(type);
      }
      return extra;
    },
  };
}

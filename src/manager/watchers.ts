/**
 * The in-process side of `watch`: pending watches per job id, each ended by news for its job
 * (`notify`), its own signal, or `closeAll`. Managers call `notify` wherever a job's record
 * changes (start, progress, side updates, end, cancel) and `closeAll` when they close; a backend
 * signal from another process (pub/sub, a version counter) calls `notify` too.
 *
 * Every ended watch removes its entry, and a signal's one abort listener goes with its last watch,
 * so watches started and aborted in a loop leave nothing behind (`size` is back to 0). Many watches
 * on one signal share that listener: no `MaxListenersExceededWarning`, however many.
 */
export class Watchers {
  readonly #byJob = new Map<string, Set<() => void>>();
  readonly #bySignal = new WeakMap<AbortSignal, { readonly ends: Set<() => void>; readonly onAbort: () => void }>();
  #count = 0;

  /** Pending watches across all jobs. */
  get size(): number {
    return this.#count;
  }

  /** Job ids with at least one pending watch, for a backend that subscribes per job. */
  jobIds(): IterableIterator<string> {
    return this.#byJob.keys();
  }

  /** Resolves at the next `notify(jobId)`, when `signal` aborts, or at `closeAll()`. */
  watch(jobId: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const end = (): void => {
        this.#unlisten(signal, end);
        const set = this.#byJob.get(jobId);
        if (set?.delete(end)) {
          this.#count -= 1;
          if (set.size === 0) this.#byJob.delete(jobId);
        }
        resolve();
      };
      this.#listen(signal, end);
      let set = this.#byJob.get(jobId);
      if (set === undefined) {
        set = new Set();
        this.#byJob.set(jobId, set);
      }
      set.add(end);
      this.#count += 1;
    });
  }

  /** Ends every pending watch of `jobId`. Cheap when there is none. */
  notify(jobId: string): void {
    const set = this.#byJob.get(jobId);
    if (set === undefined) return;
    for (const end of [...set]) end();
  }

  /** Ends every pending watch: the manager closes, or a backend connection came back. */
  closeAll(): void {
    for (const set of [...this.#byJob.values()]) for (const end of [...set]) end();
  }

  #listen(signal: AbortSignal, end: () => void): void {
    let entry = this.#bySignal.get(signal);
    if (entry === undefined) {
      const ends = new Set<() => void>();
      const onAbort = (): void => {
        for (const each of [...ends]) each();
      };
      entry = { ends, onAbort };
      this.#bySignal.set(signal, entry);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    entry.ends.add(end);
  }

  #unlisten(signal: AbortSignal, end: () => void): void {
    const entry = this.#bySignal.get(signal);
    if (entry === undefined || !entry.ends.delete(end) || entry.ends.size > 0) return;
    signal.removeEventListener("abort", entry.onAbort);
    this.#bySignal.delete(signal);
  }
}

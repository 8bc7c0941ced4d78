const ignore = (): void => undefined;

/**
 * Keeps the order of overlapping calls and knows what is in flight. `inOrder` fixes a call's
 * place when it is made: its `prepare` step starts at once and may overlap others, its `commit`
 * step runs only after the commits of every earlier call (whether they succeeded or failed).
 */
export class Sequencer {
  #tail: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<unknown>>();

  inOrder<P, R>(prepare: () => Promise<P>, commit: (prepared: P) => R | Promise<R>): Promise<R> {
    const previous = this.#tail;
    const result = (async () => {
      const prepared = await prepare();
      await previous;
      return commit(prepared);
    })();
    // The tail waits for the previous tail too: a call that fails early must not let later ones
    // commit before earlier ones.
    this.#tail = Promise.all([previous, result.catch(ignore)]).then(ignore);
    return this.track(result);
  }

  /** Counts `operation` as in flight until it settles. */
  track<T>(operation: Promise<T>): Promise<T> {
    this.#inFlight.add(operation);
    const done = () => this.#inFlight.delete(operation);
    operation.then(done, done);
    return operation;
  }

  /** Resolves once every call made so far has settled. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}

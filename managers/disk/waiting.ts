/**
 * The queued jobs of this process, in submit order, so that a job's position is a binary search
 * and leaving the line from anywhere (a start, a cancel) stays cheap with thousands queued.
 */
export class WaitingLine {
  /** Submit sequences of the jobs in line, ascending. */
  readonly #orders: number[] = [];
  readonly #byJob = new Map<string, number>();

  get size(): number {
    return this.#orders.length;
  }

  /** Puts the job in line by its submit sequence (submits may write out of order). */
  add(jobId: string, order: number): void {
    if (this.#byJob.has(jobId)) return;
    this.#byJob.set(jobId, order);
    this.#orders.splice(this.#indexOf(order), 0, order);
  }

  /** Takes the job out of line; a no-op when it is not in line. */
  remove(jobId: string): void {
    const order = this.#byJob.get(jobId);
    if (order === undefined) return;
    this.#byJob.delete(jobId);
    this.#orders.splice(this.#indexOf(order), 1);
  }

  /** Jobs in line before this one, or `undefined` when it is not in line. */
  position(jobId: string): number | undefined {
    const order = this.#byJob.get(jobId);
    return order === undefined ? undefined : this.#indexOf(order);
  }

  /** The index of the first order not below `order`. */
  #indexOf(order: number): number {
    let low = 0;
    let high = this.#orders.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#orders[middle] as number) < order) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

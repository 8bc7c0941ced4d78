import type { ChildProcess } from "node:child_process";
import type { ToWorker, WorkerJob } from "./protocol.js";

/** A job the pool holds, with what it learnt while trying to start it. */
export interface Entry {
  readonly job: WorkerJob;
  /** The admit hook let it through; handing it to another process does not ask again. */
  admitted: boolean;
  /** Processes it was handed to that died before it started. */
  deadHandovers: number;
}

/**
 * One worker process and where it is in its life cycle: starting → idle → (reserved while an
 * admit is pending) → busy → idle …; from any state → retiring → exited. A retiring process (it
 * was sent a kill, or it must not be reused) is never handed a job again.
 */
export interface Slot {
  readonly child: ChildProcess;
  /** The module loaded; the process can take jobs. */
  ready: boolean;
  /** An admit is pending for the job that will go to this process. */
  reserved: boolean;
  /** The job handed to this process, until it reports "done" or the process exits. */
  entry?: Entry;
  /** The process reported that the job's function was called. */
  started: boolean;
  /** The job was cancelled; its end is reported already. */
  cancelled: boolean;
  /** Why the process is being retired; set once, never cleared. */
  retiring?: string;
  /** The process must retire once its current job is done. */
  retireAfterJob?: string;
  killTimer?: NodeJS.Timeout;
  fatal?: string;
}

/** Whether the process can be handed a job now. */
export function isIdle(slot: Slot): boolean {
  return slot.ready && slot.retiring === undefined && !slot.reserved && slot.entry === undefined;
}

/** Sends a message if the channel is still open (a dying process may have closed it). */
export function send(slot: Slot, message: ToWorker): void {
  if (slot.child.connected) slot.child.send(message);
}

/** An idle pool does not keep the process alive; a busy one does. */
export function holdOpen(slot: Slot, busy: boolean): void {
  const channel = slot.child.channel as { ref?(): void; unref?(): void } | null | undefined;
  if (busy) {
    slot.child.ref();
    channel?.ref?.();
  } else {
    slot.child.unref();
    channel?.unref?.();
  }
}

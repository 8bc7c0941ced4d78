import type { JobUpdate } from "../../manager/contract.js";

/** How a job of the stress run is cancelled, if at all: while queued, while running, or as it ends. */
export type CancelMode = "queued" | "running" | "end";

/** One job of the stress run, decided up front from the seed. */
export interface PlannedJob {
  /** Position in call order; also the job's label. */
  readonly index: number;
  /** How long the job works. */
  readonly ms: number;
  /** `kill`: SIGKILLed once running; `stall`: SIGSTOPped briefly; `plain`: left alone. */
  readonly role: "plain" | "kill" | "stall";
  readonly cancel?: CancelMode;
  /** For `cancel: "end"`: how long after its first progress the cancel is sent. */
  readonly cancelAfterMs?: number;
}

/** Submits called together without awaiting, then a pause. */
export interface Wave {
  readonly jobs: readonly PlannedJob[];
  readonly pauseMs: number;
}

/** One non-empty take, with when it was called and when it returned (this process's clock). */
export interface TakeRecord {
  readonly poller: number;
  readonly calledAt: number;
  readonly returnedAt: number;
  readonly update: JobUpdate;
}

/** A submitted job and everything the run saw of it. */
export interface Tracked extends PlannedJob {
  readonly jobId: string;
  readonly takes: TakeRecord[];
  /** Per poller: it has taken the outcome. */
  readonly done: boolean[];
  /** Its first progress has been acted on (kill, stall or cancel). */
  acted: boolean;
  /** When `cancel()` resolved, if it was called. */
  cancelledAt?: number;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same plan. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The stress run's settings; every duration already scaled. */
export interface PlanSettings {
  readonly count: number;
  readonly maxJobMs: number;
  readonly killMs: number;
  readonly stallJobMs: number;
  readonly maxPauseMs: number;
}

const CANCEL_MODES: readonly CancelMode[] = ["queued", "running", "end"];

/** The jobs in call order, grouped in waves of overlapping submits. */
export function planWaves(random: () => number, settings: PlanSettings): Wave[] {
  const int = (below: number) => Math.floor(random() * below);
  const { count } = settings;
  const kill = Math.floor(count / 5) + int(Math.floor(count / 5));
  const stallAt = Math.floor(count / 2) + int(Math.floor(count / 5));
  const jobs: PlannedJob[] = [];
  for (let index = 0; index < count; index++) {
    if (index === kill) jobs.push({ index, ms: settings.killMs, role: "kill" });
    else if (index === stallAt) jobs.push({ index, ms: settings.stallJobMs, role: "stall" });
    else jobs.push(plainJob(index, int(settings.maxJobMs + 1), random));
  }
  const waves: Wave[] = [];
  for (let next = 0; next < count; ) {
    const size = 1 + int(30);
    waves.push({ jobs: jobs.slice(next, next + size), pauseMs: int(settings.maxPauseMs + 1) });
    next += size;
  }
  return waves;
}

function plainJob(index: number, ms: number, random: () => number): PlannedJob {
  if (random() >= 0.2) return { index, ms, role: "plain" };
  const cancel = CANCEL_MODES[Math.floor(random() * CANCEL_MODES.length)] as CancelMode;
  // Around the job's own length: sometimes before it returns, sometimes just after.
  const cancelAfterMs = Math.round(ms * (0.5 + random()));
  return { index, ms, role: "plain", cancel, ...(cancel === "end" ? { cancelAfterMs } : {}) };
}

import type { ManagerSnapshot, RunningJobInfo, WorkerInfo } from "../../src/index.js";
import type { Lease } from "./records.js";
import { type DiskStore, ENDED_AT, LOST, QUEUED, RUNNING, TABLE } from "./store.js";

const HOUR_MS = 3_600_000;

interface RunningRow {
  key: string;
  callbackId: string | null;
  startedAt: number | null;
  owner: string;
}

/** A snapshot without jobs: what a file that does not exist yet holds. */
export function emptySnapshot(at = Date.now()): ManagerSnapshot {
  return { at, queued: 0, running: [], workers: [], lostLastHour: 0 };
}

/**
 * Reads a snapshot of one namespace of the file. The processes that run jobs are the web
 * processes whose pools run them; each renews a lease while it has unended jobs, so the live
 * "workers" are the leases that have not run out. Every count is an index read: its cost follows
 * the running jobs and processes, not the backlog (10,000 queued jobs are one index count).
 */
export async function inspectDisk(store: DiskStore): Promise<ManagerSnapshot> {
  const at = Date.now();
  const [jobsFrom, jobsTo] = store.range("job:");
  const [leasesFrom, leasesTo] = store.range("lease:");
  const range = "key >= ? AND key < ?";
  const [queued, running, lost, leases] = await Promise.all([
    store.sql<{ n: number }>(
      "read",
      `SELECT count(*) AS n FROM ${TABLE} WHERE ${QUEUED} AND ${range}`,
      jobsFrom,
      jobsTo,
    ),
    store.sql<RunningRow>(
      "read",
      `SELECT key, json_extract(value, '$.value.callbackId') AS callbackId, json_extract(value, '$.value.startedAt') AS startedAt,
         json_extract(value, '$.value.owner') AS owner FROM ${TABLE} WHERE ${RUNNING} AND ${range}`,
      jobsFrom,
      jobsTo,
    ),
    store.sql<{ n: number }>(
      "read",
      `SELECT count(*) AS n FROM ${TABLE} WHERE ${LOST} AND ${ENDED_AT} > ? AND ${range}`,
      at - HOUR_MS,
      jobsFrom,
      jobsTo,
    ),
    store.sql<{ key: string; value: string }>(
      "read",
      `SELECT key, value FROM ${TABLE} WHERE ${range} AND json_extract(value, '$.value.until') >= ?`,
      leasesFrom,
      leasesTo,
      at,
    ),
  ]);
  const runningJobs: RunningJobInfo[] = running
    .map((row) => ({
      jobId: row.key.slice(jobsFrom.length),
      callbackId: row.callbackId ?? "",
      // A job admitted while the file was unreachable has no start time: the snapshot's stands in.
      startedAt: row.startedAt ?? at,
      worker: processId(row.owner),
    }))
    .sort((a, b) => a.startedAt - b.startedAt);
  const workers = leases
    .map((row) => workerOf(row.key.slice(leasesFrom.length), store.decode<{ value: Lease }>(row.value).value, running))
    .sort((a, b) => b.lastSeen - a.lastSeen);
  return { at, queued: queued[0]?.n ?? 0, running: runningJobs, workers, lostLastHour: lost[0]?.n ?? 0 };
}

/** `<pid>@<host>#<random>`, the DiskManager's owner id, as `<host>:<pid>`. */
function processId(owner: string): string {
  const { host, pid } = ownerParts(owner);
  return `${host}:${pid}`;
}

function ownerParts(owner: string): { host: string; pid: number } {
  const at = owner.indexOf("@");
  const hash = owner.lastIndexOf("#");
  return { pid: Number(owner.slice(0, at)), host: owner.slice(at + 1, hash < 0 ? undefined : hash) };
}

function workerOf(owner: string, lease: Lease, running: readonly RunningRow[]): WorkerInfo {
  const parts = ownerParts(owner);
  const host = lease.host ?? parts.host;
  const pid = lease.pid ?? parts.pid;
  const lastSeen = lease.at ?? lease.until;
  return {
    id: `${host}:${pid}`,
    host,
    pid,
    startedAt: lease.since ?? lastSeen,
    lastSeen,
    jobsDone: lease.jobsDone ?? 0,
    running: running.filter((row) => row.owner === owner).length,
  };
}

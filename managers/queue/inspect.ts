import type { ManagerSnapshot, RunningJobInfo, WorkerInfo } from "../../src/index.js";
import type { QueueKeys } from "./keys.js";
import type { RedisClient } from "./options.js";
import { Script } from "./redis.js";
import { LOST_KEEP_MS } from "./scripts.js";

/**
 * KEYS wait, active, workers, lost · ARGV now, jobPrefix, bullPrefix, workerPrefix, liveSince.
 * Returns the queued count (BullMQ's waiting list, and jobs workers took but have not started),
 * the running jobs `[id, owner, startedAt, callbackId]` (from BullMQ's active list: as many as the
 * fleet's concurrency), the live workers `[id, field, value, ...]` (seen since `liveSince`), and
 * how many jobs ended `lost` in the last hour. Reads only.
 */
const INSPECT = new Script(`
local queued = redis.call('LLEN', KEYS[1])
local running = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local f = redis.call('HMGET', ARGV[2] .. id, 'state', 'outcome', 'owner', 'startedAt')
  if f[1] == 'queued' and not f[2] then queued = queued + 1 end
  if f[1] == 'running' and not f[2] then
    local name = redis.call('HGET', ARGV[3] .. id, 'name') or ''
    table.insert(running, {id, f[3] or '', f[4] or '', name})
  end
end
local workers = {}
for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', ARGV[5])) do
  local fields = redis.call('HGETALL', ARGV[4] .. id)
  if #fields > 0 then
    table.insert(fields, 1, id)
    table.insert(workers, fields)
  end
end
local lost = redis.call('ZCOUNT', KEYS[4], '(' .. (tonumber(ARGV[1]) - ${LOST_KEEP_MS}), '+inf')
return {queued, running, workers, lost}
`);

/**
 * A snapshot of one queue in one round trip. Live workers are those whose registry entry was
 * renewed within `leaseMs` (the window after which their jobs count as lost).
 */
export async function inspectQueue(client: RedisClient, keys: QueueKeys, leaseMs: number): Promise<ManagerSnapshot> {
  const at = Date.now();
  const reply = (await INSPECT.run(
    client,
    [keys.wait, keys.active, keys.workers, keys.lost],
    [at, keys.jobPrefix, keys.bullPrefix, keys.worker(""), at - leaseMs],
  )) as [number, string[][], string[][], number];
  const [queued, running, workers, lost] = reply;
  const live = workers.map(workerOf);
  const byOwner = new Map(live.map((worker, i) => [workers[i]?.[0], worker.id]));
  const jobs: RunningJobInfo[] = running.map(([jobId = "", owner = "", startedAt = "", callbackId = ""]) => ({
    jobId,
    callbackId,
    // A record put back after Redis lost it has 0: the snapshot's time stands in.
    startedAt: Number(startedAt) || at,
    ...(owner === "" ? {} : { worker: byOwner.get(owner) ?? owner.slice(0, owner.lastIndexOf(":")) }),
  }));
  jobs.sort((a, b) => a.startedAt - b.startedAt);
  live.sort((a, b) => b.lastSeen - a.lastSeen);
  return { at, queued: Number(queued), running: jobs, workers: live, lostLastHour: Number(lost) };
}

/** `[id, field, value, ...]` of a registry entry (see `QueueWorker.#checkIn`). */
function workerOf([id = "", ...pairs]: string[]): WorkerInfo {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) fields.set(pairs[i] as string, pairs[i + 1] as string);
  const number = (name: string): number => Number(fields.get(name) ?? 0);
  const host = fields.get("host") ?? id.slice(0, id.indexOf(":"));
  const pid = number("pid");
  return {
    id: `${host}:${pid}`,
    host,
    pid,
    startedAt: number("startedAt"),
    lastSeen: number("lastSeen"),
    jobsDone: number("jobsDone"),
    running: number("running"),
  };
}

/**
 * The Lua scripts of a worker's run of a job: the claim, the start, progress and side updates, the
 * heartbeat, the end and the hand-back. Each write names its run (the worker's owner token): once
 * another run took the job over, the old run's writes are refused. The record's fields and the news
 * are described in ./scripts.js.
 */
import { END, NEWS } from "./scripts.js";

/**
 * Whether the worker run `owner` may still write for a job: no outcome yet, and no other run took
 * it over. A record that vanished (Redis restarted without persistence) is put back, without a
 * TTL, as the job still lives.
 */
const OWN = `
local function own(job, owner, state)
  local f = redis.call('HMGET', job, 'outcome', 'owner', 'state')
  if f[1] then return false end
  if f[2] and f[2] ~= owner then return false end
  if not f[3] then
    redis.call('HSET', job, 'owner', owner, 'state', state)
    if state == 'running' then redis.call('HSET', job, 'startedAt', 0, 'runs', 1) end
  end
  return true
end
`;

/**
 * KEYS job, lease, cancel, props, pending · ARGV owner, leaseMs, now, ttl, lostReason, maxRuns,
 * limitReason, start → 'run' (the job is this run's now), 'gone' (no record), 'ended' (outcome or
 * cancel request), 'busy' (another live run holds it) or 'lost' (it may not start again: it started
 * on a worker that died, or it already started as often as allowed: once, or `maxRuns` times with
 * retryLost). The job leaves the set of pending submits: it reached a worker. With `start` = '1',
 * a job this run takes is also started, as STARTED would right after (for a worker that hands it to
 * an idle process at once: see `LocalJobs`).
 */
export const CLAIM = `${END}
redis.call('ZREM', KEYS[5], ARGV[#ARGV])
local f = redis.call('HMGET', KEYS[1], 'state', 'outcome', 'owner', 'retry', 'runs', 'startedAt')
if not f[1] then return 'gone' end
if f[2] then return 'ended' end
if redis.call('EXISTS', KEYS[3]) == 1 then
  finish_job(KEYS[1], KEYS[4], '{"kind":"cancelled"}', ARGV[3], ARGV[4])
  return 'ended'
end
if f[3] and (f[3] == ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1) then return 'busy' end
local runs = tonumber(f[5]) or 0
local limit = 1
if f[4] == '1' then limit = tonumber(ARGV[6]) end
if runs >= limit then
  local reason = ARGV[7]
  if f[3] and f[6] then reason = ARGV[5] end
  finish_job(KEYS[1], KEYS[4], cjson.encode({kind = 'lost', reason = reason}), ARGV[3], ARGV[4])
  return 'lost'
end
redis.call('HDEL', KEYS[1], 'progress', 'startedAt')
-- A record an older web process wrote with a TTL until its job was in BullMQ.
redis.call('PERSIST', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if ARGV[8] ~= '1' then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'state', 'queued')
  return 'run'
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'state', 'running', 'startedAt', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'runs', 1)
news()
return 'run'
`;

/** KEYS job · ARGV owner, now → 1 when the job is still this run's (now `running`), else 0. */
export const STARTED = `${NEWS}${OWN}
if not own(KEYS[1], ARGV[1], 'queued') then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'startedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'runs', 1)
news()
return 1
`;

/**
 * KEYS job · ARGV owner → 1 when a start that a claim wrote is taken back (the job is queued again,
 * its start uncounted, as before the claim's start), 0 when the job ended or is not this run's.
 * For a worker whose claim started a job that then waited for a process after all.
 */
export const UNSTART = `${NEWS}
local f = redis.call('HMGET', KEYS[1], 'outcome', 'owner', 'state')
if f[1] or f[2] ~= ARGV[1] or f[3] ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'startedAt')
redis.call('HINCRBY', KEYS[1], 'runs', -1)
news()
return 1
`;

/** KEYS job · ARGV owner, value → 1 when written. */
export const PROGRESS = `${NEWS}${OWN}
if not own(KEYS[1], ARGV[1], 'running') then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
news()
return 1
`;

/** KEYS job, props · ARGV owner, entry → 1 when appended. */
export const PROPS = `${NEWS}${OWN}
if not own(KEYS[1], ARGV[1], 'running') then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
news()
return 1
`;

/**
 * KEYS job, lease, cancel · ARGV owner, leaseMs, state → 1 when the lease was renewed, 0 when the
 * job ended, was cancelled or was taken over by a newer run (this run then stops).
 */
export const HEARTBEAT = `${OWN}
if redis.call('EXISTS', KEYS[3]) == 1 or not own(KEYS[1], ARGV[1], ARGV[3]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * KEYS job, props, lease, cache · ARGV owner, ttl, now, outcome, kind, cacheTtl, value → 1 when this
 * outcome was stored (it is the first), 0 when the job already had one, 2 when a newer run took the
 * job over (nothing written). Memoises a result when `cacheTtl` > 0.
 */
export const FINISH = `${END}
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
local f = redis.call('HMGET', KEYS[1], 'outcome', 'owner')
if f[1] then return 0 end
if f[2] and f[2] ~= ARGV[1] then return 2 end
if ARGV[5] == 'cancelled' then
  redis.call('HDEL', KEYS[1], 'progress')
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
finish_job(KEYS[1], KEYS[2], ARGV[4], ARGV[3], ARGV[2])
if ARGV[5] == 'result' and tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[6]) end
return 1
`;

/**
 * KEYS job, lease, props · ARGV owner, maxRuns, now, ttl, lostOutcome → 1 when the job is queued
 * again for another worker, 2 when it may not start again (it started once, or `maxRuns` times
 * with retryLost: `lostOutcome` is stored), 0 when it ended or another run has it. The start
 * that was handed back still counts.
 */
export const HAND_BACK = `${END}
local f = redis.call('HMGET', KEYS[1], 'outcome', 'owner', 'startedAt', 'runs', 'retry')
if f[1] or f[2] ~= ARGV[1] then return 0 end
local limit = 1
if f[5] == '1' then limit = tonumber(ARGV[2]) end
redis.call('DEL', KEYS[2])
if f[3] and (tonumber(f[4]) or 0) >= limit then
  finish_job(KEYS[1], KEYS[3], ARGV[5], ARGV[3], ARGV[4])
  return 2
end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'owner', 'progress', 'startedAt')
news()
return 1
`;

/**
 * The Lua scripts of the QueueManager. Each runs atomically in Redis, so a job's record is never
 * seen half-written: exactly one outcome (the first writer wins), nothing written after it, and
 * take's read-and-clear cannot lose an update written at the same moment.
 *
 * The job hash (`QueueKeys.job`) holds: `state` (queued | running | done), `owner` (the worker
 * that took the job), `outcome` (JSON), `endedAt`, `progress` (JSON, newest not yet taken),
 * `seq` (progress and side updates written), `runs` (times started), `retry` ("1" for retryLost),
 * `submittedAt`, `startedAt`.
 */

/**
 * Decides a job's outcome for a reader: the stored one; else `lost` when the job started on a
 * worker whose lease expired, unless it will run again (`retry`, fewer than `maxRuns` starts). A
 * job taken but never started goes back to the queue with its worker's lease. Returns the
 * outcome ('' for none) and the state ('' when there is no record).
 */
const SETTLE = `
local function settle(job, lease, now, ttl, reason, maxRuns)
  local f = redis.call('HMGET', job, 'outcome', 'owner', 'retry', 'runs', 'state', 'startedAt')
  if f[1] then return f[1], 'done' end
  if not f[5] then return '', '' end
  if not f[2] or redis.call('EXISTS', lease) == 1 then return '', f[5] end
  if not f[6] or (f[3] == '1' and (tonumber(f[4]) or 0) < tonumber(maxRuns)) then return '', 'queued' end
  local outcome = cjson.encode({kind = 'lost', reason = reason})
  redis.call('HSET', job, 'outcome', outcome, 'state', 'done', 'endedAt', now)
  redis.call('PEXPIRE', job, ttl)
  return outcome, 'done'
end
`;

/**
 * Whether the worker `owner` may still write for a job: no outcome yet, and no other worker took
 * it over. A record that vanished (Redis restarted without persistence) is put back.
 */
const OWN = `
local function own(job, owner, state, ttl)
  local f = redis.call('HMGET', job, 'outcome', 'owner', 'state')
  if f[1] then return false end
  if f[2] and f[2] ~= owner then return false end
  if not f[3] then
    redis.call('HSET', job, 'owner', owner, 'state', state)
    if state == 'running' then redis.call('HSET', job, 'startedAt', 0, 'runs', 1) end
    redis.call('PEXPIRE', job, ttl)
  end
  return true
end
`;

/** KEYS job, cache · ARGV now, ttl, retry, useCache → 1 when a memoised result was stored as the outcome. */
export const SUBMIT = `
if ARGV[4] == '1' then
  local hit = redis.call('GET', KEYS[2])
  if hit then
    local outcome = '{"kind":"result","value":' .. hit .. ',"cached":true}'
    redis.call('HSET', KEYS[1], 'state', 'done', 'outcome', outcome, 'submittedAt', ARGV[1], 'endedAt', ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
  end
end
redis.call('HSET', KEYS[1], 'state', 'queued', 'submittedAt', ARGV[1], 'retry', ARGV[3], 'runs', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
`;

/**
 * KEYS job, props, lease · ARGV now, ttl, lostReason, maxRuns → { state, progress, outcome, props }.
 * Reads and clears progress and side updates (what a job reported before it ended comes with the
 * outcome, once); the outcome stays.
 */
export const TAKE = `${SETTLE}
local outcome, state = settle(KEYS[1], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
if state == '' then return {'', '', '', {}} end
local progress = redis.call('HGET', KEYS[1], 'progress') or ''
redis.call('HDEL', KEYS[1], 'progress')
local props = redis.call('LRANGE', KEYS[2], 0, -1)
if #props > 0 then redis.call('DEL', KEYS[2]) end
return {state, progress, outcome, props}
`;

/** KEYS job, lease · ARGV now, ttl, lostReason, maxRuns → state, '' when unknown. */
export const STATUS = `${SETTLE}
local outcome, state = settle(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return state
`;

/**
 * KEYS job, props, cancel · ARGV now, ttl, cancelTtl → the state before ('' when unknown or
 * ended). Stores the `cancelled` outcome and drops what was not taken.
 */
export const CANCEL = `
local f = redis.call('HMGET', KEYS[1], 'state', 'outcome')
if not f[1] or f[2] then return '' end
redis.call('HSET', KEYS[1], 'outcome', '{"kind":"cancelled"}', 'state', 'done', 'endedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'progress')
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return f[1]
`;

/**
 * KEYS job, lease, cancel · ARGV owner, leaseMs, now, ttl, lostReason, maxRuns → 'run' (the job is
 * this worker's now), 'gone' (no record), 'ended' (outcome or cancel request), 'busy' (another live
 * worker has it) or 'lost' (it started on a worker that died, and must not run again).
 */
export const CLAIM = `
local f = redis.call('HMGET', KEYS[1], 'state', 'outcome', 'owner', 'retry', 'runs', 'startedAt')
if not f[1] then return 'gone' end
if f[2] then return 'ended' end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[1], 'outcome', '{"kind":"cancelled"}', 'state', 'done', 'endedAt', ARGV[3])
  return 'ended'
end
if f[3] then
  if f[3] == ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1 then return 'busy' end
  if f[6] and (f[4] ~= '1' or (tonumber(f[5]) or 0) >= tonumber(ARGV[6])) then
    redis.call('HSET', KEYS[1], 'outcome', cjson.encode({kind = 'lost', reason = ARGV[5]}), 'state', 'done', 'endedAt', ARGV[3])
    return 'lost'
  end
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'progress', 'startedAt')
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 'run'
`;

/** KEYS job · ARGV owner, ttl, now → 1 when the job is still this worker's (now `running`), else 0. */
export const STARTED = `${OWN}
if not own(KEYS[1], ARGV[1], 'queued', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'startedAt', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'runs', 1)
return 1
`;

/** KEYS job · ARGV owner, ttl, value → 1 when written. */
export const PROGRESS = `${OWN}
if not own(KEYS[1], ARGV[1], 'running', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return 1
`;

/** KEYS job, props · ARGV owner, ttl, entry → 1 when appended. */
export const PROPS = `${OWN}
if not own(KEYS[1], ARGV[1], 'running', ARGV[2]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return 1
`;

/**
 * KEYS job, lease, cancel · ARGV owner, ttl, leaseMs, state → 1 when the lease was renewed, 0 when
 * the job ended, was cancelled or was taken over (the worker then stops it).
 */
export const HEARTBEAT = `${OWN}
if redis.call('EXISTS', KEYS[3]) == 1 or not own(KEYS[1], ARGV[1], ARGV[4], ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS job, props, lease, cache · ARGV owner, ttl, now, outcome, kind, cacheTtl, value → 1 when this
 * outcome was stored (it is the first), else 0. Memoises a result when `cacheTtl` > 0.
 */
export const FINISH = `
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
local f = redis.call('HMGET', KEYS[1], 'outcome', 'owner')
if f[1] or (f[2] and f[2] ~= ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'outcome', ARGV[4], 'state', 'done', 'endedAt', ARGV[3], 'owner', ARGV[1])
if ARGV[5] == 'cancelled' then
  redis.call('HDEL', KEYS[1], 'progress')
  redis.call('DEL', KEYS[2])
else
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[5] == 'result' and tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[6]) end
return 1
`;

/**
 * KEYS job, lease · ARGV owner → 1 when the job is queued again for another worker, else 0. A
 * graceful hand-back does not count as a start.
 */
export const HAND_BACK = `
local f = redis.call('HMGET', KEYS[1], 'outcome', 'owner', 'startedAt')
if f[1] or f[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'owner', 'progress', 'startedAt')
if f[3] then redis.call('HINCRBY', KEYS[1], 'runs', -1) end
redis.call('DEL', KEYS[2])
return 1
`;

/** KEYS secret · ARGV candidate → the stored secret (the candidate when there was none). */
export const SECRET = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;

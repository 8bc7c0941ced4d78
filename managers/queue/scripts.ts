/**
 * The Lua scripts of the QueueManager. Each runs atomically in Redis, so a job's record is never
 * seen half-written: exactly one outcome (the first writer wins), nothing written after it, and
 * take's read-and-clear cannot lose an update written at the same moment.
 *
 * The job hash (`QueueKeys.job`) holds: `state` (queued | running | done), `owner` (the worker
 * run that took the job: the run token), `outcome` (JSON), `endedAt`, `progress` (JSON, newest not
 * yet taken), `seq` (progress and side updates written), `runs` (times started, hand-backs
 * included), `retry` ("1" for retryLost), `submittedAt`, `startedAt`.
 *
 * A record has no TTL while its job is in the queue or running: only the outcome starts the `ttlMs`
 * countdown (of the record and of its side-update list), so a live job never expires. The record
 * of a submit whose job never reached BullMQ is deleted by {@link SWEEP}.
 *
 * Every script that can change what a poller sees (all but SUBMIT, SWEEP, HEARTBEAT, SECRET and POSITION)
 * takes two more ARGV after those listed: the news channel and the job id (see `NEWS`). The scripts
 * of a worker's run (claim, start, reports, heartbeat, end, hand-back) are in ./worker-scripts.js.
 */

/** What ends a news message about a job that has not ended (job ids never contain it). */
export const NOT_ENDED = ":";

/** What comes between a job id and the outcome in the news of an end that carries it (ids never contain it). */
export const OUTCOME_AFTER = "\n";

/** The longest outcome (bytes of JSON) that the news of a job's end carries. */
const NEWS_OUTCOME_MAX = 1_024;

/** How long the set of lost jobs keeps an entry: `inspect()` counts the last hour. */
export const LOST_KEEP_MS = 3_600_000;

/**
 * Tells every web process that the job may have news, in the same atomic step as the write, so a
 * watcher subscribed before a read that found nothing cannot miss it. A script that includes it
 * takes the news channel and the job id as its last two ARGV. The message is the job id when the
 * job ended, and the job id followed by {@link NOT_ENDED} for other news (a start, progress, side
 * updates), which a watch that waits for the outcome only sleeps through. The news of an end
 * carries a short `outcome` (the id, {@link OUTCOME_AFTER}, the outcome) when the job left nothing
 * else to take: the web process that submitted the job then answers its next take without Redis.
 */
export const NEWS = `
local function news(ended, outcome)
  local message = ARGV[#ARGV]
  if not ended then message = message .. '${NOT_ENDED}'
  elseif outcome then message = message .. '\\n' .. outcome end
  redis.call('PUBLISH', ARGV[#ARGV - 1], message)
end
`;

/**
 * Adds a job that ended `lost` to the queue's sorted set of lost jobs (`QueueKeys.lost`, next
 * to the job records), scored by end time and trimmed to an hour, for `inspect()`. Only short
 * outcomes that mention "lost" are decoded.
 */
const LOST = `
local function record_lost(job, outcome, now)
  if #outcome > 4096 or not string.find(outcome, '"lost"', 1, true) then return end
  local ok, decoded = pcall(cjson.decode, outcome)
  if not ok or type(decoded) ~= 'table' or decoded.kind ~= 'lost' then return end
  local base, id = string.match(job, '^(.*)job:([^:]*)$')
  if not base then return end
  local key = base .. 'lost'
  redis.call('ZADD', key, now, id)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', tonumber(now) - ${LOST_KEEP_MS})
  redis.call('PEXPIRE', key, ${LOST_KEEP_MS})
end
`;

/**
 * Takes a job that ended before any worker claimed it (cancelled, or no worker runs) out of the set
 * of pending submits (`QueueKeys.pending`, next to the job records), so that a queue without
 * workers does not grow that set.
 */
const UNPEND = `
local function unpend(job)
  local base, id = string.match(job, '^(.*)job:([^:]*)$')
  if base then redis.call('ZREM', base .. 'pending', id) end
end
`;

/** Stores an outcome, starts the TTL of the record and of its side updates, and publishes news. */
export const END = `${NEWS}${LOST}${UNPEND}
local function finish_job(job, props, outcome, now, ttl)
  local alone = #outcome <= ${NEWS_OUTCOME_MAX} and redis.call('HEXISTS', job, 'progress') == 0
    and redis.call('EXISTS', props) == 0
  redis.call('HSET', job, 'outcome', outcome, 'state', 'done', 'endedAt', now)
  redis.call('PEXPIRE', job, ttl)
  redis.call('PEXPIRE', props, ttl)
  record_lost(job, outcome, now)
  if alone then news(true, outcome) else news(true) end
end
`;

/**
 * Decides a job's outcome for a reader. KEYS job, props, lease, workers, epoch · ARGV now, ttl,
 * lostReason, maxRuns, noWorkerMs, noWorkerOutcome, idEpoch, epochCandidate, goneOutcome, graceMs.
 *
 * - the stored outcome;
 * - `lost` when the job started on a worker whose lease expired, unless it may start again
 *   (`retry`, fewer than `maxRuns` starts);
 * - the `noWorker` error when the job waits and no worker has been seen for `noWorkerMs`;
 * - for a record that is missing while the job's id names an older epoch of the data (Redis lost
 *   it), `lost` once workers had `graceMs` to put back the records of jobs they run.
 * Returns the outcome ('' for none), the state ('' when there is no record) and what this call
 * decided ('noWorker' or '').
 */
const SETTLE = `${END}
local function vanished(K, A)
  if A[7] == '' then return '', '', '' end
  if redis.call('HSETNX', K[5], 'id', A[8]) == 1 then redis.call('HSET', K[5], 'since', A[1]) end
  local e = redis.call('HMGET', K[5], 'id', 'since')
  if e[1] == A[7] then return '', '', '' end
  if tonumber(A[1]) - (tonumber(e[2]) or 0) < tonumber(A[10]) then return '', 'running', '' end
  finish_job(K[1], K[2], A[9], A[1], A[2])
  return A[9], 'done', ''
end

local function settle(K, A)
  local f = redis.call('HMGET', K[1], 'outcome', 'owner', 'retry', 'runs', 'state', 'startedAt', 'submittedAt')
  if f[1] then return f[1], 'done', '' end
  if not f[5] then return vanished(K, A) end
  if f[2] and redis.call('EXISTS', K[3]) == 1 then return '', f[5], '' end
  if f[2] and f[6] and (f[3] ~= '1' or (tonumber(f[4]) or 0) >= tonumber(A[4])) then
    local outcome = cjson.encode({kind = 'lost', reason = A[3]})
    finish_job(K[1], K[2], outcome, A[1], A[2])
    return outcome, 'done', ''
  end
  local bound = tonumber(A[5])
  if bound > 0 then
    local top = redis.call('ZREVRANGE', K[4], 0, 0, 'WITHSCORES')
    local seen = math.max(tonumber(top[2]) or 0, tonumber(f[7]) or tonumber(A[1]))
    if tonumber(A[1]) - seen > bound then
      finish_job(K[1], K[2], A[6], A[1], A[2])
      unpend(K[1])
      return A[6], 'done', 'noWorker'
    end
  end
  return '', 'queued', ''
end
`;

/**
 * KEYS job, cache, epoch, pending · ARGV now, ttl, retry, useCache, idEpoch, jobId → 1 when a
 * memoised result was stored as the outcome, 0 when queued, or the current epoch when the job id
 * names another one (nothing written: the caller makes a new id). The first job's epoch becomes
 * the queue's.
 *
 * A queued record has no TTL from the start: a job may wait in BullMQ longer than any TTL, and it
 * must not lose its record meanwhile. Its id goes into the set of pending submits (`QueueKeys.pending`)
 * instead, which the claim leaves and {@link SWEEP} empties: so the record of a submit whose BullMQ
 * add never happened (it failed, or the web process or its connection went away in between) is
 * found and deleted, without a second command per submit to take a TTL back.
 */
export const SUBMIT = `
if ARGV[5] ~= '' then
  if redis.call('HSETNX', KEYS[3], 'id', ARGV[5]) == 1 then redis.call('HSET', KEYS[3], 'since', ARGV[1]) end
  local epoch = redis.call('HGET', KEYS[3], 'id')
  if epoch ~= ARGV[5] then return epoch end
end
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
redis.call('ZADD', KEYS[4], ARGV[1], ARGV[6])
return 0
`;

/**
 * KEYS pending · ARGV before, jobPrefix, bullPrefix, count → entries looked at. Visits up to `count`
 * pending submits older than `before` (their add, sent right behind the record, had ample time):
 * a record still queued, never claimed, whose job is not in BullMQ (no job hash there) is deleted,
 * as the job will never run; a job still waiting in BullMQ keeps its record. Either way the entry
 * leaves the set.
 */
export const SWEEP = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local job = ARGV[2] .. id
  local f = redis.call('HMGET', job, 'state', 'owner')
  if f[1] == 'queued' and not f[2] and redis.call('EXISTS', ARGV[3] .. id) == 0 then redis.call('DEL', job) end
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;

/**
 * KEYS job, props, lease, workers, epoch · ARGV as SETTLE → { state, progress, outcome, props,
 * decided }. Reads and clears progress and side updates (what a job reported before it ended
 * comes with the outcome, once); the outcome stays.
 */
export const TAKE = `${SETTLE}
local outcome, state, decided = settle(KEYS, ARGV)
if state == '' then return {'', '', '', {}, ''} end
local progress = redis.call('HGET', KEYS[1], 'progress') or ''
redis.call('HDEL', KEYS[1], 'progress')
local props = redis.call('LRANGE', KEYS[2], 0, -1)
if #props > 0 then redis.call('DEL', KEYS[2]) end
return {state, progress, outcome, props, decided}
`;

/** KEYS, ARGV as TAKE → { state ('' when unknown), decided }. */
export const STATUS = `${SETTLE}
local outcome, state, decided = settle(KEYS, ARGV)
return {state, decided}
`;

/**
 * KEYS job, props, cancel · ARGV now, ttl, cancelTtl → the state before ('' when unknown or
 * ended). Stores the `cancelled` outcome and drops what was not taken.
 */
export const CANCEL = `${END}
local f = redis.call('HMGET', KEYS[1], 'state', 'outcome')
if not f[1] or f[2] then return '' end
redis.call('HDEL', KEYS[1], 'progress')
redis.call('DEL', KEYS[2])
finish_job(KEYS[1], KEYS[2], '{"kind":"cancelled"}', ARGV[1], ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
if f[1] == 'queued' then unpend(KEYS[1]) end
return f[1]
`;

/**
 * KEYS job, wait, active · ARGV id, record prefix → jobs that will start before this one: those
 * behind it in BullMQ's wait list (taken from its tail, so the search starts there and costs as
 * much as the answer), plus those a worker took and has not started yet (BullMQ's active list is
 * as long as the fleet's concurrency). 0 for a job taken and not started; -1 when it is not queued.
 */
export const POSITION = `
local f = redis.call('HMGET', KEYS[1], 'state', 'outcome')
if f[1] ~= 'queued' or f[2] then return -1 end
local at = redis.call('LPOS', KEYS[2], ARGV[1], 'RANK', -1)
if not at then return 0 end
local ahead = redis.call('LLEN', KEYS[2]) - 1 - at
for _, id in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
  if redis.call('HGET', ARGV[2] .. id, 'state') == 'queued' then ahead = ahead + 1 end
end
return ahead
`;

/** KEYS secret · ARGV candidate → the stored secret (the candidate when there was none). */
export const SECRET = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;

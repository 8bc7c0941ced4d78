import { createHash, randomBytes } from "node:crypto";
import { newJobId } from "../../src/index.js";

/** Characters of the core's job id (16 random bytes in base64url). */
const BASE_LENGTH = 22;
/** Characters of a queue's tag. */
const TAG_LENGTH = 4;
/** Characters of an epoch: 6 random bytes in base64url. */
const EPOCH_LENGTH = 8;

/** A new epoch candidate: the first process that writes it to Redis makes it the queue's. */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

/** A short tag of a queue (its key prefix and name), so that ids of another queue are told apart. */
export function queueTag(base: string): string {
  return createHash("sha256").update(base).digest("base64url").slice(0, TAG_LENGTH);
}

/**
 * A job id of this manager: the core's fresh id, the queue's tag and the epoch of the queue's
 * data, so that a reader can tell a record that Redis lost (this queue, an older epoch) from one
 * that expired (same epoch) or belongs to another queue (another tag). URL-safe and unguessable.
 */
export function queueJobId(tag: string, epoch: string): string {
  return `${newJobId()}${tag}${epoch}`;
}

/** The epoch in a job id of the queue tagged `tag`, or "" for any other id. */
export function epochOf(jobId: string, tag: string): string {
  if (jobId.length !== BASE_LENGTH + TAG_LENGTH + EPOCH_LENGTH || !/^[A-Za-z0-9_-]+$/.test(jobId)) return "";
  return jobId.slice(BASE_LENGTH, BASE_LENGTH + TAG_LENGTH) === tag ? jobId.slice(BASE_LENGTH + TAG_LENGTH) : "";
}

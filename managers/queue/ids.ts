import { randomBytes } from "node:crypto";
import { newJobId } from "../../src/index.js";

/** Characters of an epoch: 6 random bytes in base64url. */
const EPOCH_LENGTH = 8;
/** Characters of the core's job id (16 random bytes in base64url). */
const BASE_LENGTH = 22;

/** A new epoch candidate: the first process that writes it to Redis makes it the queue's. */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

/**
 * A job id of this manager: the core's fresh id followed by the epoch of the queue's data, so a
 * reader can tell a record that Redis lost (older epoch) from one that expired (same epoch).
 * Still URL-safe and unguessable.
 */
export function queueJobId(epoch: string): string {
  return `${newJobId()}${epoch}`;
}

/** The epoch in a job id of this manager, or "" for any other id. */
export function epochOf(jobId: string): string {
  return jobId.length === BASE_LENGTH + EPOCH_LENGTH && /^[A-Za-z0-9_-]+$/.test(jobId) ? jobId.slice(BASE_LENGTH) : "";
}

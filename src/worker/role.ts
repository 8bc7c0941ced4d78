/**
 * Environment variable that marks the role of a process:
 * - unset: the web process (serves HTTP, submits jobs, may start worker processes);
 * - `"worker"`: a job process started by a `WorkerPool` (runs jobs only; starts nothing);
 * - `"queue-worker"`: a process started by the worker CLI (takes jobs from a queue and runs them
 *   on its own `WorkerPool`; serves no HTTP).
 */
export const ROLE_ENV = "BACKGROUND_CALLBACKS_ROLE";

/** The role of this process, see {@link ROLE_ENV}. */
export function currentRole(): "web" | "worker" | "queue-worker" {
  const role = process.env[ROLE_ENV];
  return role === "worker" || role === "queue-worker" ? role : "web";
}

/** Whether this process only runs jobs (a job process or a queue worker): it serves no HTTP. */
export function isWorkerProcess(): boolean {
  return currentRole() !== "web";
}

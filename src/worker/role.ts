/** Environment variable that marks a worker process; its value is the role. */
export const ROLE_ENV = "BACKGROUND_CALLBACKS_ROLE";

/** The role of this process: `"worker"` in a worker process, `"web"` otherwise. */
export function currentRole(): "web" | "worker" {
  return process.env[ROLE_ENV] === "worker" ? "worker" : "web";
}

/** Whether this process is a worker process (it loads the app to run its jobs). */
export function isWorkerProcess(): boolean {
  return currentRole() === "worker";
}

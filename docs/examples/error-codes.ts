import { type BackgroundCallbackManager, isErrorCode, type JobRequest } from "background-callbacks";

export async function submitOrReport(manager: BackgroundCallbackManager, job: JobRequest): Promise<string | undefined> {
  try {
    return (await manager.submit(job)).jobId;
  } catch (error) {
    if (isErrorCode(error, "MANAGER_CLOSED")) return undefined; // create a new manager
    throw error;
  }
}

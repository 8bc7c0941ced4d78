import type { CallbackSpec } from "../app/callback-spec.js";
import { invoke } from "../app/invoke.js";
import { BackgroundCallbackError } from "../errors.js";
import type { JobContext, JobOutcome, Json, SideUpdates } from "../manager/contract.js";
import { mergeSideUpdate } from "../manager/updates.js";
import { runWithTools } from "../worker/run.js";

const neverAborted = new AbortController().signal;

/**
 * Runs a normal (not background) callback in this process: with `ctx` and `setProps` available,
 * and what it returns or throws turned into an outcome, as a job's would be.
 */
export async function runNormalCallback(
  spec: CallbackSpec,
  args: Json[],
  context: JobContext,
): Promise<{ outcome: JobOutcome; sideUpdate: SideUpdates }> {
  const sideUpdate: SideUpdates = {};
  const outcome = await runWithTools(
    (values) => invoke(spec.signature, spec.fn, [], values),
    { jobId: "", callbackId: spec.id, args, context },
    neverAborted,
    {
      progress: () => {
        throw new BackgroundCallbackError(
          "NOT_SUPPORTED",
          `[background-callbacks:callback] setProgress() works in background callbacks only ("${spec.id}" is not one)`,
        );
      },
      props: (id, props) => mergeSideUpdate(sideUpdate, id, props),
    },
  );
  return { outcome, sideUpdate };
}

/**
 * Entry of the second process of the shared tests: opens the manager under test through the
 * factory module (the spec in the environment, same namespace as the test's own manager), then
 * runs the calls its parent sends over IPC and answers each. It is a web process: it serves no
 * HTTP, but submits, polls and cancels like one.
 *
 * @packageDocumentation
 */
import type { BackgroundCallbackManager } from "../manager/contract.js";
import { CAPABILITIES_LINE, factorySpec, importFactory } from "./factory.js";

/** A call from the parent. */
export interface PeerCall {
  readonly id: number;
  readonly method: "submit" | "take" | "status" | "cancel" | "sharedSecret" | "close";
  readonly args: readonly unknown[];
}

/** What the peer sends: `ready` once, then one answer per call; `fatal` when it cannot open. */
export type PeerMessage =
  | { readonly t: "ready"; readonly capabilities: BackgroundCallbackManager["capabilities"]; readonly secret: boolean }
  | { readonly t: "fatal"; readonly message: string }
  | { readonly t: "answer"; readonly id: number; readonly value?: unknown; readonly error?: PeerError };

/** A rejection, as data. */
export interface PeerError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

const send = (message: PeerMessage): void => {
  if (process.connected) process.send?.(message);
};

async function call(manager: BackgroundCallbackManager, { method, args }: PeerCall): Promise<unknown> {
  switch (method) {
    case "submit":
      return manager.submit(args[0] as Parameters<BackgroundCallbackManager["submit"]>[0]);
    case "take":
      return manager.take(args[0] as string);
    case "status":
      return manager.status(args[0] as string);
    case "cancel":
      return manager.cancel(args[0] as string);
    case "sharedSecret":
      return manager.sharedSecret?.();
    default:
      return manager.close();
  }
}

async function serve(): Promise<void> {
  const manager = await open();
  process.on("message", (message: PeerCall) => {
    call(manager, message).then(
      (value) => send({ t: "answer", id: message.id, value }),
      (error: Error & { code?: string }) =>
        send({
          t: "answer",
          id: message.id,
          error: { name: error?.name ?? "Error", message: String(error?.message ?? error), code: error?.code },
        }),
    );
  });
  // The suite is gone: release the backend as an app shutting down would.
  process.on("disconnect", () => {
    void manager.close().finally(() => process.exit(0));
  });
  send({ t: "ready", capabilities: manager.capabilities, secret: typeof manager.sharedSecret === "function" });
}

async function open(): Promise<BackgroundCallbackManager> {
  const spec = factorySpec();
  if (spec === undefined) throw new Error("the suite set no factory spec for this process");
  return (await importFactory(spec.module))(spec.options);
}

/** `--capabilities`: constructs the manager, prints its capabilities, closes it; used while declaring tests. */
async function printCapabilities(): Promise<void> {
  const manager = await open();
  process.stdout.write(`\n${CAPABILITIES_LINE}${JSON.stringify(manager.capabilities)}\n`);
  await manager.close();
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

if (process.argv[2] === "--capabilities") {
  printCapabilities().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${message(error)}\n`);
      process.exit(1);
    },
  );
} else {
  serve().catch((error: unknown) => {
    send({ t: "fatal", message: message(error) });
    process.disconnect?.();
  });
}

import assert from "node:assert/strict";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import type { FactorySpec } from "../factory.js";
import { type ConformanceManagerOptions, newNamespace, type Suite } from "./options.js";
import { Peer } from "./peers.js";

/** What a shared test may change; the rest are the suite's defaults. */
export type SharedSettings = Partial<Pick<ConformanceManagerOptions, "cancelGraceMs" | "ttlMs">>;

/** The spec of a fresh namespace; fails when no factory module was given. */
export function specOf(suite: Suite, settings: SharedSettings): FactorySpec {
  assert.ok(
    suite.factory,
    "capabilities.shared is true, but no `factory` module was given: the shared tests open your backend in a second process through it",
  );
  return {
    module: suite.factory,
    options: {
      workerModule: suite.jobsModule,
      concurrency: 1,
      cancelGraceMs: settings.cancelGraceMs ?? 1_000,
      ttlMs: settings.ttlMs ?? 86_400_000,
      namespace: newNamespace(),
    },
  };
}

async function startPeers(suite: Suite, spec: FactorySpec, count: number): Promise<Peer[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => Peer.start(spec, suite.scale(20_000), suite.scale(15_000))),
  );
  const peers = started.flatMap((each) => (each.status === "fulfilled" ? [each.value] : []));
  const failed = started.find((each) => each.status === "rejected");
  if (failed !== undefined) {
    await disposeAll(suite, peers);
    throw failed.reason;
  }
  return peers;
}

function disposeAll(suite: Suite, peers: readonly Peer[]): Promise<unknown> {
  return Promise.all(peers.map((peer) => peer.dispose(suite.scale(5_000))));
}

/**
 * A manager in this process (through `create` or the factory) and a second process on the same
 * namespace; both closed afterwards, whatever happens.
 */
export async function withLocalAndPeer<T>(
  suite: Suite,
  settings: SharedSettings,
  fn: (local: BackgroundCallbackManager, peer: Peer) => Promise<T>,
): Promise<T> {
  const spec = specOf(suite, settings);
  const local = await suite.create(spec.options);
  try {
    const [peer] = (await startPeers(suite, spec, 1)) as [Peer];
    try {
      return await fn(local, peer);
    } finally {
      await disposeAll(suite, [peer]);
    }
  } finally {
    await local.close();
  }
}

/** Two processes on one namespace, none of them this one (so that either may be killed). */
export async function withPeers<T>(
  suite: Suite,
  settings: SharedSettings,
  fn: (peers: [Peer, Peer]) => Promise<T>,
): Promise<T> {
  const peers = (await startPeers(suite, specOf(suite, settings), 2)) as [Peer, Peer];
  try {
    return await fn(peers);
  } finally {
    await disposeAll(suite, peers);
  }
}

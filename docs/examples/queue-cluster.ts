import { QueueManager } from "background-callbacks/managers/queue";
import { Cluster } from "ioredis";

const nodes = (process.env.REDIS_CLUSTER_NODES ?? "127.0.0.1:7000").split(",");

// Yours to configure and to close: the manager never closes a client it was given.
const cluster = new Cluster(
  nodes.map((node) => ({ host: node.split(":")[0], port: Number(node.split(":")[1]) })),
  { enableOfflineQueue: false }, // web calls fail fast while the cluster is unreachable
);

// The braces make "bgcb" the hash tag of every key of the queue: one slot, so Lua scripts and
// BullMQ's multi-key commands work on a cluster.
export const manager = new QueueManager({ connection: cluster, prefix: "{bgcb}" });

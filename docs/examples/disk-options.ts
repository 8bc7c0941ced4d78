import { DiskManager } from "background-callbacks/managers/disk";

export const manager = new DiskManager({ path: "./cache.sqlite", concurrency: 2 });

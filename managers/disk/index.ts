/**
 * `background-callbacks/managers/disk`: the embedded manager on one SQLite file.
 * @packageDocumentation
 */
export { DiskManager, type DiskManagerOptions } from "./manager.js";

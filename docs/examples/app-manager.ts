import { Dash } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

export const app = new Dash({ backgroundCallbackManager: new DiskManager({ path: "./cache.sqlite" }) });

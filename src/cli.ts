#!/usr/bin/env node
/**
 * The `background-callbacks` command line, built to `dist/cli.js`; the package's `bin`
 * (bin/background-callbacks.mjs) runs it, or this file through tsx in a checkout without a build:
 * `background-callbacks worker <app-module> [--concurrency N] [--metrics-port N] ...` and
 * `background-callbacks status <app-module> [--json]`. `--help` lists the options and exit codes.
 *
 * @packageDocumentation
 */
import { main } from "./cli/main.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever still holds the event loop (a stuck connection) must not keep a stopped worker alive.
setTimeout(() => process.exit(code), 2_000).unref();

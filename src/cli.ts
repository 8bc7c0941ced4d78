#!/usr/bin/env node
/**
 * The `background-callbacks` command line (`dist/cli.js`, the package's `bin`):
 * `background-callbacks worker <app-module> [--concurrency N] [--shutdown-grace-ms N]`.
 * In a checkout: `npx tsx src/cli.ts worker ./app.ts`. `--help` lists the options and exit codes.
 *
 * @packageDocumentation
 */
import { main } from "./cli/main.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Whatever still holds the event loop (a stuck connection) must not keep a stopped worker alive.
setTimeout(() => process.exit(code), 2_000).unref();

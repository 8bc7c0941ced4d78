/** Job functions of the benchmarks; worker processes load this module. */
import { registerJob } from "background-callbacks";

registerJob("bench.echo", ([value]) => value);

registerJob("bench.progress", ([count], { setProgress }) => {
  for (let i = 0; i < Number(count); i++) setProgress(i);
  return count;
});

registerJob("bench.wait", async (_args, { signal }) => {
  while (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 2));
  return null;
});

registerJob("bench.spin", () => {
  for (;;) {
    // a synchronous loop that never yields: only a kill stops it
  }
});

import { describeValue, invalidArgument } from "../errors.js";
import { assertInteger } from "../manager/validate.js";

/** Options of the app's Prometheus endpoint (`new Dash({ metrics: { ... } })`). */
export interface MetricsOptions {
  /**
   * Where the endpoint is served, under the app's `routesPathnamePrefix`: one or more path
   * segments of letters, digits and `._~-`, without a leading `/`. It takes the place of a page
   * of the app with that path.
   * @default "_dash-metrics"
   */
  readonly path?: string;
  /** Also report prom-client's process metrics: CPU, memory, event loop lag, handles. @default true */
  readonly defaultMetrics?: boolean;
  /**
   * How long a scrape waits for each manager's `inspect()`; a manager that takes longer or fails
   * reports `background_callbacks_inspect_up 0` and the scrape goes on without its gauges.
   * @default 2_000
   */
  readonly inspectTimeoutMs?: number;
}

/** {@link MetricsOptions} with every default filled in. */
export type ResolvedMetricsOptions = Required<MetricsOptions>;

const KNOWN = new Set(["path", "defaultMetrics", "inspectTimeoutMs"]);
const PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
/** Routes of the Dash protocol, which the endpoint must not hide. */
const RESERVED = /^(?:_dash-(?!metrics$)|_favicon\.ico$|_reload-hash$)/;

/**
 * Checks the app's `metrics` option: `true`, `false`, or {@link MetricsOptions}. Undefined: off.
 * @throws `INVALID_ARGUMENT` naming the bad value.
 */
export function resolveMetricsOptions(value: unknown): ResolvedMetricsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) value = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgument("app", `Expected \`metrics\` to be a boolean or an object, got ${describeValue(value)}`);
  }
  const options = value as Record<string, unknown>;
  const unknown = Object.keys(options).find((key) => !KNOWN.has(key));
  if (unknown !== undefined) {
    throw invalidArgument(
      "app",
      `Unknown \`metrics\` option \`${unknown}\`; the options are ${[...KNOWN].map((key) => `\`${key}\``).join(", ")}`,
    );
  }
  const path = options.path ?? "_dash-metrics";
  if (typeof path !== "string" || !PATH.test(path) || RESERVED.test(path)) {
    throw invalidArgument(
      "app",
      `Expected \`metrics.path\` to be a path under the app's prefix without a leading "/" (letters, digits, "._~-", segments joined by "/") and not a Dash route, got ${describeValue(path)}`,
    );
  }
  const defaultMetrics = options.defaultMetrics ?? true;
  if (typeof defaultMetrics !== "boolean") {
    throw invalidArgument(
      "app",
      `Expected \`metrics.defaultMetrics\` to be a boolean, got ${describeValue(defaultMetrics)}`,
    );
  }
  const inspectTimeoutMs = options.inspectTimeoutMs ?? 2_000;
  assertInteger("app", "metrics.inspectTimeoutMs", inspectTimeoutMs, 1, 60_000);
  return { path, defaultMetrics, inspectTimeoutMs };
}

import { describeValue, invalidArgument } from "../errors.js";

/** What `app.layout` takes: a component, a list of them, or a function returning one. */
export type LayoutValue = object | readonly object[] | (() => object | readonly object[]);

/** Checks a layout when it is set: it must serialise to JSON (functions are checked per call). */
export function validateLayout(value: LayoutValue | undefined): LayoutValue | undefined {
  if (value === undefined || typeof value === "function") return value;
  if (value === null || typeof value !== "object") {
    throw invalidArgument(
      "app",
      `Expected \`layout\` to be a component, a list of components or a function, got ${describeValue(value)}`,
    );
  }
  try {
    JSON.stringify(value);
  } catch (error) {
    throw invalidArgument("app", `The layout cannot be sent to the browser: ${(error as Error).message}`);
  }
  return value;
}

/** The layout as the renderer receives it. */
export function layoutJson(value: LayoutValue | undefined): unknown {
  if (value === undefined) {
    throw invalidArgument("app", "The app has no layout: set `app.layout` before serving");
  }
  const layout = typeof value === "function" ? value() : value;
  return JSON.parse(JSON.stringify(validateLayout(layout)));
}

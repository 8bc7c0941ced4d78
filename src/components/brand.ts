import type { Component } from "./component.js";

/** Marks components; `Symbol.for` so that components made by another copy of this library count too. */
export const componentBrand: unique symbol = Symbol.for("background-callbacks.component");

/** Whether `value` is a {@link Component}, also one made by another copy of this library. */
export function isComponent(value: unknown): value is Component {
  return (
    typeof value === "object" && value !== null && (value as { [componentBrand]?: unknown })[componentBrand] === true
  );
}

import { describeValue, invalidArgument } from "../errors.js";
import type { Json } from "../manager/contract.js";

/** A pattern-matching wildcard in a dict id: matches every component of the pattern. */
export const ALL: Wildcard = Object.freeze(["ALL"]) as Wildcard;
/** A pattern-matching wildcard: the component that triggered the callback. */
export const MATCH: Wildcard = Object.freeze(["MATCH"]) as Wildcard;
/** A pattern-matching wildcard: every matching component whose value is smaller than the trigger's. */
export const ALLSMALLER: Wildcard = Object.freeze(["ALLSMALLER"]) as Wildcard;

/** One of {@link ALL}, {@link MATCH}, {@link ALLSMALLER}. */
export type Wildcard = readonly ["ALL"] | readonly ["MATCH"] | readonly ["ALLSMALLER"];
/** A component id: a string, or a dict id whose values may be wildcards. */
export type DependencyId = string | Readonly<Record<string, string | number | boolean | Wildcard>>;

type Kind = "Input" | "Output" | "State";

const isWildcard = (value: unknown): boolean =>
  Array.isArray(value) && value.length === 1 && ["ALL", "MATCH", "ALLSMALLER"].includes(value[0] as string);

/** Writes an id as Dash does: a string as it is, a dict id as JSON with sorted keys and no spaces. */
export function stringifyId(id: DependencyId): string {
  if (typeof id === "string") return id;
  const keys = Object.keys(id).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(id[key])}`).join(",")}}`;
}

/** A component property a callback reads or writes. */
export class Dependency {
  readonly kind: Kind;
  readonly id: DependencyId;
  readonly property: string;
  readonly allowDuplicate: boolean;

  constructor(kind: Kind, id: DependencyId, property: string, allowDuplicate = false) {
    const part = kind.toLowerCase();
    validateId(part, kind, id);
    if (typeof property !== "string" || !/^[A-Za-z_][\w-]*$/.test(property)) {
      throw invalidArgument(part, `Expected the property of ${kind} to be a prop name, got ${describeValue(property)}`);
    }
    this.kind = kind;
    this.id = typeof id === "string" ? id : Object.freeze({ ...id });
    this.property = property;
    this.allowDuplicate = allowDuplicate;
    Object.freeze(this);
  }

  /** `"<id>.<prop>"`, the id written as by {@link stringifyId}. */
  toString(): string {
    return `${stringifyId(this.id)}.${this.property}`;
  }

  /** Whether the id holds a wildcard. */
  get isPattern(): boolean {
    return typeof this.id !== "string" && Object.values(this.id).some(isWildcard);
  }

  /** The form `/_dash-dependencies` lists. */
  toJSON(): { id: string; property: string } {
    return { id: stringifyId(this.id), property: this.property };
  }
}

function validateId(part: string, kind: Kind, id: unknown): void {
  if (typeof id === "string" && id.length > 0) return;
  const ok =
    id !== null &&
    typeof id === "object" &&
    !Array.isArray(id) &&
    Object.keys(id).length > 0 &&
    Object.values(id).every((v) => ["string", "number", "boolean"].includes(typeof v) || isWildcard(v));
  if (!ok) {
    throw invalidArgument(
      part,
      `Expected the id of ${kind} to be a non-empty string or a dict id of strings, numbers, booleans and wildcards, got ${describeValue(id)}`,
    );
  }
}

/** An input: a change of this prop in the browser runs the callback. */
export function Input(id: DependencyId, property: string): Dependency {
  return new Dependency("Input", id, property);
}

/** A state: its value is passed to the callback, but a change does not run it. */
export function State(id: DependencyId, property: string): Dependency {
  return new Dependency("State", id, property);
}

/**
 * An output: the callback's return value becomes this prop's new value.
 * `allowDuplicate` lets several callbacks write the same prop.
 */
export function Output(id: DependencyId, property: string, options: { allowDuplicate?: boolean } = {}): Dependency {
  return new Dependency("Output", id, property, options.allowDuplicate === true);
}

/** The value of one dependency as the renderer sends it. */
export interface DependencyValue {
  readonly id: string | Record<string, Json>;
  readonly property: string;
  readonly value?: Json;
}

import type { Children, ComponentId } from "./component.js";
import type { CssProperties } from "./html-props.js";

/** The props most `dcc` components share. */
export type DccBaseProps = {
  /** Identifies the component in callbacks; an object for pattern-matching callbacks. */
  id?: ComponentId;
  /** CSS class of the root DOM node. */
  className?: string;
  /** Inline CSS of the root DOM node. */
  style?: CssProperties;
};

/**
 * Keeps what the user chose across page reloads. `persistence` turns it on (its value is a key:
 * change it to drop what was kept); `persisted_props` are the props kept.
 */
export type Persistence<Prop extends string = "value"> = {
  persistence?: boolean | string | number;
  persisted_props?: readonly Prop[];
  /** @default "local" */
  persistence_type?: "local" | "session" | "memory";
};

/** The value of an option of `Dropdown`, `Checklist` or `RadioItems`. */
export type OptionValue = string | number | boolean;

/** An option with a label that may hold components. */
export type DetailedOption = {
  label: Children;
  value: OptionValue;
  disabled?: boolean;
  /** The HTML `title` of the option, shown on hover. */
  title?: string;
  /** What the search of a `Dropdown` matches, when the label is not text. */
  search?: string;
};

/** Options: values (each its own label), detailed options, or a `{ value: label }` object. */
export type Options = readonly (OptionValue | DetailedOption)[] | Readonly<Record<string, string>>;

/** Labels of the marks of a slider, by value. */
export type SliderMarks = Readonly<Record<number, string | { label: string; style?: CssProperties }>>;

/** The tooltip of a slider's handles. */
export type SliderTooltip = {
  always_visible?: boolean;
  placement?: "left" | "right" | "top" | "bottom" | "topLeft" | "topRight" | "bottomLeft" | "bottomRight";
  /** Shown text; must contain `{value}`. */
  template?: string;
  style?: CssProperties;
  /** Name of a function in `window.dccFunctions` that formats the value. */
  transform?: string;
};

/**
 * A value of `dcc.Store`: anything JSON (objects are checked when the component is made, so
 * interfaces are accepted here).
 */
export type StoreData = string | number | boolean | null | object;

/** The attributes a `dcc.Input` and a `dcc.Textarea` share with HTML: HTML boolean attributes. */
export type InputFlags = {
  disabled?: boolean | "disabled" | "DISABLED";
  readOnly?: boolean | "readOnly" | "readonly" | "READONLY";
  required?: boolean | "required" | "REQUIRED";
};

import { invalidArgument } from "../errors.js";
import { componentBrand } from "./brand.js";
import { checkChildren, checkId, checkPropValue, describe, isPlainObject, type Where } from "./validate.js";

export { isComponent } from "./brand.js";

/**
 * A component id: a string, or an object for pattern-matching (wildcard) callbacks, such as
 * `{ type: "run-button", index: 0 }`.
 */
export type ComponentId = string | Readonly<Record<string, string | number | boolean>>;

/** One child of a component: another component, a text, a number, or `null` (nothing). */
export type Child = Component | string | number | null;

/** What `children` takes: one {@link Child} or a flat array of them (arrays do not nest). */
export type Children = Child | readonly Child[];

/** The props every component may take; each library narrows them. */
export type ComponentProps = Record<string, unknown>;

/** The wire format of one layout node, as `GET /_dash-layout` sends it. */
export interface ComponentJson {
  readonly type: string;
  readonly namespace: string;
  readonly props: Readonly<Record<string, unknown>>;
}

/** The error label of a namespace: `html`, `dcc`, or the namespace itself. */
const partOf: Readonly<Record<string, string>> = {
  dash_html_components: "html",
  dash_core_components: "dcc",
};

/**
 * One node of a Dash layout: the renderer draws it with `window[namespace][type]` and the props.
 * Instances are frozen, and so are their `props` and `children` arrays (values nested deeper,
 * such as a `style` or a `figure`, are kept as given). `JSON.stringify(component)` is the wire
 * format. Build them with the `html` and `dcc` factories, or with {@link makeFactory}.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) for a bad `id`, bad `children`, or a prop value that
 * is not JSON (components are allowed anywhere inside props).
 */
export class Component<P extends ComponentProps = ComponentProps> {
  /** The component's name in its library, such as `Div`. */
  readonly type: string;
  /** The global its library's bundle defines, such as `dash_html_components`. */
  readonly namespace: string;
  /** The props that were given; `undefined` ones are left out. */
  readonly props: Readonly<P>;

  constructor(namespace: string, type: string, props: P) {
    const where = whereOf(namespace, type);
    this.namespace = namespace;
    this.type = type;
    this.props = Object.freeze(cleanProps(where, props)) as Readonly<P>;
    Object.defineProperty(this, componentBrand, { value: true });
    Object.freeze(this);
  }

  /** The node as JSON: exactly `{ type, namespace, props }`. */
  toJSON(): ComponentJson {
    return { type: this.type, namespace: this.namespace, props: this.props };
  }
}

function whereOf(namespace: unknown, type: unknown): Where {
  for (const [name, value] of [
    ["namespace", namespace],
    ["type", type],
  ] as const) {
    if (typeof value !== "string" || value.length === 0) {
      throw invalidArgument("components", `Expected \`${name}\` to be a non-empty string, got ${describe(value)}`);
    }
  }
  const ns = namespace as string;
  const part = partOf[ns] ?? ns;
  return { part, label: `${part}.${type as string}` };
}

/** Checks every prop and returns a copy without the `undefined` ones. */
function cleanProps(where: Where, props: unknown): ComponentProps {
  if (!isPlainObject(props)) {
    throw invalidArgument(
      where.part,
      `Expected the props of ${where.label} to be a plain object, got ${describe(props)}`,
    );
  }
  const clean: ComponentProps = {};
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === "children") {
      clean[key] = checkChildren(where, value);
    } else {
      if (key === "id") checkId(where, value);
      else checkPropValue(where, key, value);
      clean[key] = value;
    }
  }
  return clean;
}

/** The props argument: optional when every prop is. */
export type PropsArgument<P> = Record<never, never> extends P ? [props?: P] : [props: P];

/**
 * A component factory, as in `html.Div` or `dcc.Loading`. It takes the props, or the children
 * first and then the other props: `html.Div([...])`, `html.Div("text", { id: "x" })`,
 * `html.Div({ id: "x", children: "text" })`.
 */
export interface ComponentFactory<P extends ComponentProps> {
  /** Builds the component from its props. */
  (...props: PropsArgument<P>): Component<P>;
  /** Builds the component from its children and the other props. */
  (children: P["children"], ...props: PropsArgument<Omit<P, "children">>): Component<P>;
  /** The library's global, such as `dash_html_components`. */
  readonly namespace: string;
  /** The component's name, such as `Div`. */
  readonly type: string;
}

/** A factory for a component without children, as in `dcc.Graph`: it takes only its props. */
export interface PropsOnlyFactory<P extends ComponentProps> {
  /** Builds the component from its props. */
  (...props: PropsArgument<P>): Component<P>;
  /** The library's global, such as `dash_core_components`. */
  readonly namespace: string;
  /** The component's name, such as `Graph`. */
  readonly type: string;
}

/** Options of {@link makeFactory}. */
export interface FactoryOptions {
  /** Whether the component takes children (and so the `(children, props)` form). @default true */
  readonly children?: boolean;
  /** Props that must be given, such as `id` of `dcc.Store`. @default [] */
  readonly required?: readonly string[];
}

/**
 * Makes the factory of one component of a library, for libraries beyond `html` and `dcc`.
 * The first argument is the props when it is a plain object (not a component, not an array);
 * anything else is the children.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) from the factory for bad arguments, children given
 * twice, a missing required prop, and everything {@link Component} rejects.
 * @example
 * ```ts
 * const Alert = makeFactory<{ id?: string; children?: Children; color?: string }>("dash_bootstrap_components", "Alert");
 * Alert("Saved", { color: "success" });
 * ```
 */
export function makeFactory<P extends ComponentProps>(namespace: string, type: string): ComponentFactory<P>;
export function makeFactory<P extends ComponentProps>(
  namespace: string,
  type: string,
  options: FactoryOptions & { readonly children: false },
): PropsOnlyFactory<P>;
export function makeFactory<P extends ComponentProps>(
  namespace: string,
  type: string,
  options?: FactoryOptions,
): ComponentFactory<P>;
export function makeFactory(
  namespace: string,
  type: string,
  options: FactoryOptions = {},
): ComponentFactory<ComponentProps> {
  const where = whereOf(namespace, type);
  const takesChildren = options.children ?? true;
  const required = options.required ?? [];
  const factory = (...args: unknown[]): Component => {
    const props = propsOf(where, takesChildren, args);
    for (const name of required) {
      if (props[name] === undefined) {
        throw invalidArgument(where.part, `Expected \`${name}\` of ${where.label} to be given: it is required`);
      }
    }
    return new Component(namespace, type, props);
  };
  Object.defineProperties(factory, {
    name: { value: type },
    namespace: { value: namespace, enumerable: true },
    type: { value: type, enumerable: true },
  });
  return Object.freeze(factory) as unknown as ComponentFactory<ComponentProps>;
}

/** Sorts the factory's arguments into one props object. */
function propsOf(where: Where, takesChildren: boolean, args: readonly unknown[]): ComponentProps {
  const [first, second] = args;
  if (args.length > 2) {
    throw invalidArgument(
      where.part,
      `Expected at most 2 arguments for ${where.label} (children, props), got ${args.length}`,
    );
  }
  if (isPlainObject(first)) {
    if (second !== undefined) {
      throw invalidArgument(
        where.part,
        `Expected no second argument for ${where.label} when the first one is the props, got ${describe(second)}`,
      );
    }
    return first;
  }
  if (first !== undefined && !takesChildren) {
    throw invalidArgument(
      where.part,
      `Expected the props of ${where.label} (it takes no children), got ${describe(first)}`,
    );
  }
  if (second !== undefined && !isPlainObject(second)) {
    throw invalidArgument(
      where.part,
      `Expected the props of ${where.label} to be a plain object, got ${describe(second)}`,
    );
  }
  const props = second ?? {};
  if (first === undefined) return props;
  if (props.children !== undefined) {
    throw invalidArgument(
      where.part,
      `${where.label} got \`children\` twice: as its first argument and as \`props.children\`; pass them once`,
    );
  }
  return { ...props, children: first };
}

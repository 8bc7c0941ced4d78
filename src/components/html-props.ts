import type { Children, ComponentId } from "./component.js";

/** Inline CSS, as React takes it: camelCase property names (`backgroundColor`), strings or numbers (px). */
export type CssProperties = { readonly [property: string]: string | number | undefined };

/**
 * An HTML boolean attribute: `true`/`false`, or its name in the spellings the bundle accepts
 * (`"disabled"`, `"DISABLED"`; `"autoFocus"`, `"autofocus"`, `"AUTOFOCUS"`).
 */
export type Flag<Name extends string> = boolean | Name | Lowercase<Name> | Uppercase<Name>;

/**
 * The props every `html` component takes (dash-html-components 4.5.0). The bundle's propTypes
 * type `contentEditable`, `draggable` and `spellCheck` as strings, so they are strings here too.
 */
export type HtmlCommonProps = {
  /** Identifies the component in callbacks; an object for pattern-matching callbacks. */
  id?: ComponentId;
  /** The content: components, texts, numbers, or a flat array of them. */
  children?: Children;
  /** How often the element was clicked; counted only when the component has an `id`. */
  n_clicks?: number;
  /** When the element was last clicked (ms since the epoch). */
  n_clicks_timestamp?: number;
  /** Stop counting clicks, which also leaves out the click handler. */
  disable_n_clicks?: boolean;
  /** React's `key`: changing it re-creates the element. */
  key?: string;
  accessKey?: string;
  className?: string;
  contentEditable?: string;
  dir?: string;
  draggable?: string;
  hidden?: Flag<"hidden">;
  lang?: string;
  role?: string;
  spellCheck?: string;
  style?: CssProperties;
  tabIndex?: string | number;
  title?: string;
} & { [attribute: `data-${string}`]: string } & { [attribute: `aria-${string}`]: string };

/**
 * The element-specific props of the `html` components that have any, from the propTypes of
 * dash-html-components 4.5.0. Some take strings where HTML has numbers (`Progress.value`,
 * `Meter.value`, `Li.value`, `Col.span`, `Ol.start`), since that is what the bundle checks.
 */
export type HtmlExtraProps = {
  A: {
    download?: string;
    href?: string;
    hrefLang?: string;
    media?: string;
    referrerPolicy?: string;
    rel?: string;
    shape?: string;
    target?: string;
  };
  Area: {
    alt?: string;
    coords?: string;
    download?: string;
    href?: string;
    media?: string;
    referrerPolicy?: string;
    rel?: string;
    shape?: string;
    target?: string;
  };
  Audio: {
    autoPlay?: Flag<"autoPlay">;
    controls?: Flag<"controls">;
    crossOrigin?: string;
    loop?: Flag<"loop">;
    muted?: Flag<"muted">;
    preload?: string;
    src?: string;
  };
  Base: { href?: string; target?: string };
  Blockquote: { cite?: string };
  Button: {
    autoFocus?: Flag<"autoFocus">;
    disabled?: Flag<"disabled">;
    form?: string;
    formAction?: string;
    formEncType?: string;
    formMethod?: string;
    formNoValidate?: Flag<"formNoValidate">;
    formTarget?: string;
    name?: string;
    type?: string;
    value?: string;
  };
  Canvas: { height?: string | number; width?: string | number };
  Col: { span?: string };
  Colgroup: { span?: string };
  Data: { value?: string };
  Del: { cite?: string; dateTime?: string };
  Details: { open?: Flag<"open"> };
  Dialog: { open?: Flag<"open"> };
  Embed: { height?: string | number; src?: string; type?: string; width?: string | number };
  Fieldset: { disabled?: Flag<"disabled">; form?: string; name?: string };
  Form: {
    accept?: string;
    acceptCharset?: string;
    action?: string;
    autoComplete?: string;
    encType?: string;
    method?: string;
    name?: string;
    noValidate?: Flag<"noValidate">;
    target?: string;
  };
  Iframe: {
    allow?: string;
    height?: string | number;
    name?: string;
    referrerPolicy?: string;
    sandbox?: string;
    src?: string;
    srcDoc?: string;
    width?: string | number;
  };
  Img: {
    alt?: string;
    crossOrigin?: string;
    height?: string | number;
    referrerPolicy?: string;
    sizes?: string;
    src?: string;
    srcSet?: string;
    useMap?: string;
    width?: string | number;
  };
  Ins: { cite?: string; dateTime?: string };
  Label: { htmlFor?: string };
  Li: { value?: string };
  Link: {
    crossOrigin?: string;
    href?: string;
    hrefLang?: string;
    integrity?: string;
    media?: string;
    referrerPolicy?: string;
    rel?: string;
    sizes?: string;
    type?: string;
  };
  MapEl: { name?: string };
  Marquee: { loop?: Flag<"loop"> };
  Meta: { charSet?: string; content?: string; httpEquiv?: string; name?: string };
  Meter: {
    high?: string;
    low?: string;
    max?: string | number;
    min?: string | number;
    optimum?: string;
    value?: string;
  };
  ObjectEl: {
    data?: string;
    form?: string;
    height?: string | number;
    name?: string;
    type?: string;
    useMap?: string;
    width?: string | number;
  };
  Ol: { reversed?: Flag<"reversed">; start?: string; type?: string };
  Optgroup: { disabled?: Flag<"disabled">; label?: string };
  Option: { disabled?: Flag<"disabled">; label?: string; selected?: Flag<"selected">; value?: string };
  Output: { htmlFor?: string; form?: string; name?: string };
  Param: { name?: string; value?: string };
  Progress: { max?: string | number; value?: string };
  Q: { cite?: string };
  Script: {
    async?: Flag<"async">;
    crossOrigin?: string;
    defer?: Flag<"defer">;
    integrity?: string;
    referrerPolicy?: string;
    src?: string;
    type?: string;
  };
  Select: {
    autoFocus?: Flag<"autoFocus">;
    autoComplete?: string;
    disabled?: Flag<"disabled">;
    form?: string;
    multiple?: Flag<"multiple">;
    name?: string;
    required?: Flag<"required">;
    size?: string | number;
  };
  Source: { media?: string; sizes?: string; src?: string; srcSet?: string; type?: string };
  Table: { summary?: string };
  Td: { colSpan?: string | number; headers?: string; rowSpan?: string | number };
  Textarea: {
    autoFocus?: Flag<"autoFocus">;
    autoComplete?: string;
    cols?: string | number;
    disabled?: Flag<"disabled">;
    form?: string;
    inputMode?: string;
    maxLength?: string | number;
    minLength?: string | number;
    name?: string;
    placeholder?: string;
    readOnly?: string;
    required?: Flag<"required">;
    rows?: string | number;
    wrap?: string;
  };
  Th: { colSpan?: string | number; headers?: string; rowSpan?: string | number; scope?: string };
  Time: { dateTime?: string };
  Track: { default?: Flag<"default">; kind?: string; label?: string; src?: string; srcLang?: string };
  Video: {
    autoPlay?: Flag<"autoPlay">;
    controls?: Flag<"controls">;
    crossOrigin?: string;
    height?: string | number;
    loop?: Flag<"loop">;
    muted?: Flag<"muted">;
    playsInline?: Flag<"playsInline">;
    poster?: string;
    preload?: string;
    src?: string;
    width?: string | number;
  };
};

/**
 * The `children_props` of `_dash-config`: for each namespace and component, the props other than
 * `children` that may hold components, in the renderer's path syntax (`"label"`, `"options[].label"`
 * for a key of every item of a list, `"prop{}"` for every value of an object).
 *
 * The renderer (dash-renderer 3.4.1) always handles `children` itself: its layout crawl, its
 * component wrapper and its callback-output handling each start from `props.children`, so
 * `children` must not be listed again (the crawl would visit every child twice). Components
 * without such props are left out, which the renderer reads as an empty list. The entries match
 * what Dash's component generator derives from props typed `node`/`element` in dash-core-components
 * 4.5.0; no dash-html-components prop other than `children` holds components.
 */
export const childrenProps: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = Object.freeze({
  dash_core_components: Object.freeze({
    Checklist: Object.freeze(["options[].label"]),
    Clipboard: Object.freeze(["copied_children"]),
    Dropdown: Object.freeze(["options[].label"]),
    Loading: Object.freeze(["custom_spinner"]),
    RadioItems: Object.freeze(["options[].label"]),
    Tab: Object.freeze(["label"]),
  }),
});

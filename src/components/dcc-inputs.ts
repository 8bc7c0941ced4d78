import type { Children } from "./component.js";
import type {
  DccBaseProps,
  InputFlags,
  Options,
  OptionValue,
  Persistence,
  SliderMarks,
  SliderTooltip,
} from "./dcc-base.js";
import type { CssProperties } from "./html-props.js";

/** Props of `dcc.Button`: a themed `<button>`. */
export type DccButtonProps = DccBaseProps & {
  children?: Children;
  type?: "submit" | "reset" | "button";
  autoFocus?: boolean;
  disabled?: boolean;
  form?: string;
  formAction?: string;
  formEncType?: string;
  formMethod?: string;
  formNoValidate?: boolean;
  formTarget?: string;
  name?: string;
  value?: string | number | readonly string[];
  accessKey?: string;
  contentEditable?: boolean | "true" | "false" | "inherit";
  dir?: string;
  draggable?: boolean;
  hidden?: boolean;
  lang?: string;
  role?: string;
  spellCheck?: boolean;
  tabIndex?: number;
  title?: string;
  n_blur?: number;
  n_blur_timestamp?: number;
  n_clicks?: number;
  n_clicks_timestamp?: number;
};

/** Props of `dcc.Input`. */
export type InputProps = DccBaseProps &
  Persistence &
  InputFlags & {
    value?: string | number;
    /** @default "text" */
    type?: "text" | "number" | "password" | "email" | "range" | "search" | "tel" | "url" | "hidden";
    /** `true`: send the value on Enter or blur only; a number: after that many seconds without typing. */
    debounce?: boolean | number;
    placeholder?: string | number;
    n_submit?: number;
    n_submit_timestamp?: number;
    inputMode?:
      | "verbatim"
      | "latin"
      | "latin-name"
      | "latin-prose"
      | "full-width-latin"
      | "kana"
      | "katakana"
      | "numeric"
      | "tel"
      | "email"
      | "url";
    autoComplete?: string;
    autoFocus?: boolean | "autoFocus" | "autofocus" | "AUTOFOCUS";
    list?: string;
    multiple?: boolean;
    spellCheck?: boolean | "true" | "false";
    name?: string;
    min?: string | number;
    max?: string | number;
    step?: string | number;
    minLength?: string | number;
    maxLength?: string | number;
    pattern?: string;
    selectionStart?: string;
    selectionEnd?: string;
    selectionDirection?: string;
    n_blur?: number;
    n_blur_timestamp?: number;
    size?: string;
  };

/** Props of `dcc.Textarea`. */
export type TextareaProps = DccBaseProps &
  Persistence &
  InputFlags & {
    value?: string;
    autoFocus?: string;
    cols?: number;
    form?: string;
    maxLength?: number;
    minLength?: number;
    name?: string;
    placeholder?: string;
    rows?: number;
    wrap?: string;
    accessKey?: string;
    contentEditable?: boolean;
    contextMenu?: string;
    dir?: string;
    draggable?: boolean;
    hidden?: string;
    lang?: string;
    spellCheck?: boolean;
    tabIndex?: number;
    title?: string;
    n_blur?: number;
    n_blur_timestamp?: number;
    n_clicks?: number;
    n_clicks_timestamp?: number;
  };

/** Props of `dcc.Dropdown`. `options[].label` may hold components. */
export type DropdownProps = DccBaseProps &
  Persistence & {
    options?: Options;
    /** One value, or an array of them when `multi` is true. */
    value?: OptionValue | readonly OptionValue[] | null;
    multi?: boolean;
    clearable?: boolean;
    searchable?: boolean;
    search_value?: string;
    placeholder?: string;
    disabled?: boolean;
    closeOnSelect?: boolean;
    optionHeight?: number | "auto";
    maxHeight?: number;
    /** Texts of the dropdown's own controls, for translation. */
    labels?: {
      select_all?: string;
      deselect_all?: string;
      selected_count?: string;
      search?: string;
      clear_search?: string;
      clear_selection?: string;
      no_options_found?: string;
    };
    debounce?: boolean;
    search_order?: "index" | "original";
  };

/** Props that `dcc.Checklist` and `dcc.RadioItems` share. `options[].label` may hold components. */
export type ChoiceProps = DccBaseProps &
  Persistence & {
    options?: Options;
    inline?: boolean;
    inputStyle?: CssProperties;
    inputClassName?: string;
    labelStyle?: CssProperties;
    labelClassName?: string;
  };

/** Props of `dcc.Checklist`. */
export type ChecklistProps = ChoiceProps & { value?: readonly OptionValue[] | null };

/** Props of `dcc.RadioItems`. */
export type RadioItemsProps = ChoiceProps & { value?: OptionValue | null };

/** Props that `dcc.Slider` and `dcc.RangeSlider` share. */
export type SliderBaseProps = DccBaseProps &
  Persistence & {
    min?: number;
    max?: number;
    step?: number | null;
    marks?: SliderMarks | null;
    disabled?: boolean;
    dots?: boolean;
    included?: boolean;
    reverse?: boolean;
    tooltip?: SliderTooltip;
    /** `"drag"` sends the value while dragging, `"mouseup"` when released. @default "mouseup" */
    updatemode?: "mouseup" | "drag";
    vertical?: boolean;
    verticalHeight?: number;
    allow_direct_input?: boolean;
  };

/** Props of `dcc.Slider`. */
export type SliderProps = SliderBaseProps & { value?: number | null; drag_value?: number };

/** Props of `dcc.RangeSlider`. */
export type RangeSliderProps = SliderBaseProps & {
  value?: readonly number[] | null;
  drag_value?: readonly number[];
  allowCross?: boolean;
  pushable?: boolean | number;
  count?: number;
};

/** Props that `dcc.DatePickerSingle` and `dcc.DatePickerRange` share. Dates are `YYYY-MM-DD` strings. */
export type DatePickerBaseProps = DccBaseProps & {
  min_date_allowed?: string;
  max_date_allowed?: string;
  disabled_days?: readonly string[];
  placeholder?: string;
  initial_visible_month?: string;
  clearable?: boolean;
  reopen_calendar_on_clear?: boolean;
  display_format?: string;
  month_format?: string;
  /** 0 is Sunday. */
  first_day_of_week?: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  show_outside_days?: boolean;
  stay_open_on_select?: boolean;
  calendar_orientation?: "vertical" | "horizontal";
  number_of_months_shown?: number;
  with_portal?: boolean;
  with_full_screen_portal?: boolean;
  day_size?: number;
  is_RTL?: boolean;
  disabled?: boolean;
};

/** Props of `dcc.DatePickerSingle`. */
export type DatePickerSingleProps = DatePickerBaseProps & Persistence<"date"> & { date?: string | null };

/** Props of `dcc.DatePickerRange`. */
export type DatePickerRangeProps = DatePickerBaseProps &
  Persistence<"start_date" | "end_date"> & {
    start_date?: string | null;
    end_date?: string | null;
    minimum_nights?: number;
    updatemode?: "singledate" | "bothdates";
    start_date_placeholder_text?: string;
    end_date_placeholder_text?: string;
    start_date_id?: string;
    end_date_id?: string;
  };

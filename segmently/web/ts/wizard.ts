// The experiment wizard: six client-side steps over one state object, saved as the full
// configuration to the JSON API (the same services as the management API). Errors come back as
// {"error": {"field": "variants.1.weight", ...}} and are shown next to that field.
// The code editor (CodeMirror) is a separate bundle, loaded only when a code change is shown.

type ChangeType = "hide" | "remove" | "text" | "html" | "attribute" | "css" | "js";

interface Change {
  type: ChangeType;
  selector: string;
  attribute: string;
  value: string;
}

interface Variant {
  id: string | null;
  key: string | null;
  name: string;
  weight: number;
  changes: Change[];
}

interface UrlRule {
  type: string;
  value: string;
}

interface Condition {
  name: string;
  op: string;
  value: string;
}

interface Goal {
  name: string;
  kind: string;
  selector: string;
  url: string;
  event_name: string;
  primary: boolean;
}

interface FunnelStep {
  label: string;
  url: string;
  event_name: string;
}

interface State {
  name: string;
  slug: string;
  description: string;
  hypothesis: string;
  delay: number;
  delayPreset: string;
  traffic: number;
  variants: Variant[];
  urlRules: UrlRule[];
  device: string;
  countries: string;
  attributes: Condition[];
  goals: Goal[];
  funnel: FunnelStep[];
  startAt: string;
  endAt: string;
  autoPause: boolean;
  crossDomains: string;
  ga4: string;
  mixpanel: string;
  slack: string;
  webhookUrl: string;
  webhookEvents: string[];
}

interface Features {
  funnels: boolean;
  scheduling: boolean;
  slack: boolean;
  ga4_mixpanel: boolean;
  experiment_webhooks: boolean;
}

// The API's ExperimentOut, as far as the wizard reads it.
interface ExperimentOut {
  id: string;
  slug: string;
  name: string;
  description: string;
  hypothesis: string;
  status: string;
  activation_delay_ms: number;
  traffic_percentage: number;
  variants: { id: string; key: string; name: string; weight: number; changes: Partial<Change>[] }[];
  targeting: {
    url_rules?: UrlRule[];
    device?: string;
    countries?: string[];
    attributes?: { name: string; op: string; value: unknown }[];
  };
  goals: {
    name: string;
    kind: string;
    selector: string | null;
    url: string | null;
    event_name: string | null;
    primary: boolean;
  }[];
  funnel_steps: { label: string; url?: string; event_name?: string | null }[];
  schedule: { start_at?: string | null; end_at?: string | null; auto_pause_at_significance?: boolean };
  cross_domains: string[];
  integrations: {
    ga4_measurement_id?: string;
    mixpanel_token?: string;
    slack_webhook_url?: string;
    webhook_url?: string;
    webhook_events?: string[];
  };
}

interface WizardData {
  mode: "create" | "edit";
  project_id: string;
  base_url: string;
  plan: string;
  features: Features;
  experiment: ExperimentOut | null;
}

interface EditorHandle {
  destroy(): void;
  setLanguage(language: string): void;
}

interface CodeEditorApi {
  mount(textarea: HTMLTextAreaElement, language: string): EditorHandle;
}

type EditorArea = HTMLTextAreaElement & { _editor?: EditorHandle };

declare global {
  interface Window {
    SegmentlyCodeEditor?: CodeEditorApi;
  }
}

const DELAYS: [string, string, number][] = [
  ["immediate", "Immediate", 0],
  ["fast", "Fast", 100],
  ["standard", "Standard", 500],
  ["safe", "Safe", 1000],
];
const CHANGE_TYPES: [ChangeType, string][] = [
  ["hide", "Hide element"],
  ["remove", "Remove element"],
  ["text", "Replace text"],
  ["html", "Replace HTML"],
  ["attribute", "Set attribute"],
  ["css", "Custom CSS"],
  ["js", "Custom JavaScript"],
];
const CODE_LANGUAGE: Partial<Record<ChangeType, string>> = { html: "html", css: "css", js: "js" };
const URL_RULE_TYPES: [string, string][] = [
  ["contains", "Contains"],
  ["exact", "Exact"],
  ["starts_with", "Starts with"],
  ["ends_with", "Ends with"],
  ["regex", "Regex"],
];
const DEVICES: [string, string][] = [
  ["all", "All devices"],
  ["desktop", "Desktop only (≥ 1024px)"],
  ["tablet", "Tablet only (768–1023px)"],
  ["mobile", "Mobile only (< 768px)"],
];
const OPS: [string, string][] = [
  ["equals", "equals"],
  ["not_equals", "does not equal"],
  ["contains", "contains"],
  ["in", "is one of (comma-separated)"],
  ["greater", "is greater than"],
  ["less", "is less than"],
  ["exists", "exists"],
];
const GOAL_KINDS: [string, string][] = [
  ["click", "Click element"],
  ["form_submit", "Form submit"],
  ["page_view", "Page view"],
  ["custom_event", "Custom event"],
];
const WEBHOOK_EVENTS = [
  "experiment.started",
  "experiment.paused",
  "experiment.archived",
  "significance.reached",
];
const STEPS = ["Details", "Variants", "Targeting", "Goals", "Advanced", "Review & Launch"];
// URL fragments of the steps: a link can open a step (the project page's "Schedule" → #advanced).
const STEP_IDS = ["details", "variants", "targeting", "goals", "advanced", "review"];

// ---------------------------------------------------------------- DOM helpers

type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown>;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === "class") {
      el.className = String(value);
    } else if (key === "value") {
      (el as HTMLInputElement).value = String(value);
    } else if (key === "checked") {
      (el as HTMLInputElement).checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

function present(children: Child[]): (Node | string)[] {
  return children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false);
}

let uid = 0;
function nextId(): string {
  uid += 1;
  return `wz-${uid}`;
}

/** A labelled control; ``path`` is the API's field name, where its errors are shown. */
function field(label: string, path: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || nextId();
  control.id = id;
  return h(
    "div",
    { class: "field", "data-field": path },
    h("label", { for: id }, label),
    control,
    hint ? h("small", { class: "muted" }, hint) : null,
  );
}

function textInput(value: string, onValue: (v: string) => void, props: Props = {}): HTMLInputElement {
  return h("input", {
    type: "text",
    value,
    oninput: (e: Event) => onValue((e.target as HTMLInputElement).value),
    ...props,
  });
}

function numberInput(
  value: number,
  onValue: (v: number) => void,
  props: Props = {},
): HTMLInputElement {
  return h("input", {
    type: "number",
    inputmode: "numeric",
    step: "1",
    value: Number.isFinite(value) ? String(value) : "",
    oninput: (e: Event) => {
      const raw = (e.target as HTMLInputElement).value;
      onValue(raw.trim() === "" ? Number.NaN : Number(raw));
    },
    ...props,
  });
}

function textArea(value: string, onValue: (v: string) => void, props: Props = {}): HTMLTextAreaElement {
  return h("textarea", {
    rows: 3,
    value,
    oninput: (e: Event) => onValue((e.target as HTMLTextAreaElement).value),
    ...props,
  });
}

function select(
  options: [string, string][],
  value: string,
  onValue: (v: string) => void,
  props: Props = {},
): HTMLSelectElement {
  const el = h(
    "select",
    { onchange: (e: Event) => onValue((e.target as HTMLSelectElement).value), ...props },
    options.map(([v, label]) => h("option", { value: v }, label)),
  );
  el.value = value;
  return el;
}

function button(label: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  return h("button", { type: "button", onclick: onClick, ...props }, label);
}

function copyButton(text: () => string, label = "Copy"): HTMLButtonElement {
  const btn = button(label, () => {
    const done = (): void => {
      btn.textContent = "Copied ✓";
      window.setTimeout(() => (btn.textContent = label), 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text()).then(done, () => (btn.textContent = "Press Ctrl+C"));
    } else {
      const area = h("textarea", { readonly: true, value: text(), style: "position:fixed;opacity:0" });
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  });
  btn.className = "copy";
  return btn;
}

// ---------------------------------------------------------------- state

function emptyChange(type: ChangeType = "css"): Change {
  return { type, selector: "", attribute: "", value: "" };
}

/** Whole percentages that sum to 100, the remainder on the last ones (33/33/34). */
export function evenWeights(n: number): number[] {
  const base = Math.floor(100 / n);
  const rest = 100 - base * n;
  return Array.from({ length: n }, (_, i) => base + (i >= n - rest ? 1 : 0));
}

function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function initialState(e: ExperimentOut | null): State {
  if (!e) {
    return {
      name: "",
      slug: "",
      description: "",
      hypothesis: "",
      delay: 100,
      delayPreset: "fast",
      traffic: 100,
      variants: [
        { id: null, key: "control", name: "Control", weight: 50, changes: [] },
        { id: null, key: null, name: "Variation A", weight: 50, changes: [] },
      ],
      urlRules: [],
      device: "all",
      countries: "",
      attributes: [],
      goals: [{ name: "Conversion", kind: "click", selector: "", url: "", event_name: "", primary: true }],
      funnel: [],
      startAt: "",
      endAt: "",
      autoPause: false,
      crossDomains: "",
      ga4: "",
      mixpanel: "",
      slack: "",
      webhookUrl: "",
      webhookEvents: [],
    };
  }
  const preset = DELAYS.find(([, , ms]) => ms === e.activation_delay_ms);
  const t = e.targeting || {};
  const ig = e.integrations || {};
  return {
    name: e.name,
    slug: e.slug,
    description: e.description,
    hypothesis: e.hypothesis,
    delay: e.activation_delay_ms,
    delayPreset: preset ? preset[0] : "custom",
    traffic: e.traffic_percentage,
    variants: e.variants.map((v) => ({
      id: v.id,
      key: v.key,
      name: v.name,
      weight: v.weight,
      changes: v.changes.map((c) => ({
        type: (c.type || "css") as ChangeType,
        selector: c.selector || "",
        attribute: c.attribute || "",
        value: c.value || "",
      })),
    })),
    urlRules: (t.url_rules || []).map((r) => ({ type: r.type, value: r.value })),
    device: t.device || "all",
    countries: (t.countries || []).join(", "),
    attributes: (t.attributes || []).map((a) => ({
      name: a.name,
      op: a.op,
      value: Array.isArray(a.value) ? a.value.join(", ") : a.value == null ? "" : String(a.value),
    })),
    goals: e.goals.map((g) => ({
      name: g.name,
      kind: g.kind,
      selector: g.selector || "",
      url: g.url || "",
      event_name: g.event_name || "",
      primary: g.primary,
    })),
    funnel: (e.funnel_steps || []).map((s) => ({
      label: s.label,
      url: s.url || "",
      event_name: s.event_name || "",
    })),
    startAt: toLocalInput(e.schedule?.start_at),
    endAt: toLocalInput(e.schedule?.end_at),
    autoPause: Boolean(e.schedule?.auto_pause_at_significance),
    crossDomains: (e.cross_domains || []).join(", "),
    ga4: ig.ga4_measurement_id || "",
    mixpanel: ig.mixpanel_token || "",
    slack: ig.slack_webhook_url || "",
    webhookUrl: ig.webhook_url || "",
    webhookEvents: ig.webhook_url ? ig.webhook_events || [] : [],
  };
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function conditionValue(c: Condition): unknown {
  if (c.op === "exists") return null;
  if (c.op === "in") return splitList(c.value);
  if (c.op === "greater" || c.op === "less") {
    return c.value.trim() === "" ? null : Number(c.value);
  }
  return c.value;
}

function isoOrNull(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

/** The request body of POST/PUT: the API's ExperimentConfigIn. */
function buildConfig(s: State): Record<string, unknown> {
  const code = (c: Change): Record<string, unknown> => {
    const out: Record<string, unknown> = { type: c.type };
    if (c.type !== "js") out.selector = c.selector.trim() || null;
    if (c.type === "attribute") out.attribute = c.attribute;
    if (c.type !== "hide" && c.type !== "remove") out.value = c.value;
    return out;
  };
  return {
    name: s.name,
    slug: s.slug.trim() || null,
    description: s.description,
    hypothesis: s.hypothesis,
    activation_delay_ms: s.delay,
    traffic_percentage: s.traffic,
    variants: s.variants.map((v) => ({
      key: v.key,
      name: v.name,
      weight: v.weight,
      changes: v.changes.map(code),
    })),
    targeting: {
      url_rules: s.urlRules.map((r) => ({ type: r.type, value: r.value })),
      device: s.device,
      countries: splitList(s.countries).map((c) => c.toUpperCase()),
      attributes: s.attributes.map((a) => ({ name: a.name, op: a.op, value: conditionValue(a) })),
    },
    goals: s.goals.map((g) => ({
      name: g.name,
      kind: g.kind,
      selector: g.kind === "click" || g.kind === "form_submit" ? g.selector : null,
      url: g.kind === "page_view" ? g.url : null,
      event_name: g.kind === "custom_event" ? g.event_name : null,
      primary: g.primary,
    })),
    funnel_steps: s.funnel.map((f) => ({
      label: f.label,
      url: f.url,
      event_name: f.event_name.trim() || null,
    })),
    schedule: {
      start_at: isoOrNull(s.startAt),
      end_at: isoOrNull(s.endAt),
      auto_pause_at_significance: s.autoPause,
    },
    cross_domains: splitList(s.crossDomains),
    integrations: {
      ga4_measurement_id: s.ga4.trim() || null,
      mixpanel_token: s.mixpanel.trim() || null,
      slack_webhook_url: s.slack.trim() || null,
      webhook_url: s.webhookUrl.trim() || null,
      webhook_events: s.webhookUrl.trim() ? s.webhookEvents : [],
    },
  };
}

// ---------------------------------------------------------------- the code editor island

let editorLoad: Promise<CodeEditorApi> | null = null;

function loadEditor(): Promise<CodeEditorApi> {
  if (window.SegmentlyCodeEditor) return Promise.resolve(window.SegmentlyCodeEditor);
  if (!editorLoad) {
    editorLoad = new Promise((resolve, reject) => {
      const script = h("script", { src: "/static/dist/code-editor.js", async: true });
      script.addEventListener("load", () =>
        window.SegmentlyCodeEditor ? resolve(window.SegmentlyCodeEditor) : reject(new Error("no editor")),
      );
      script.addEventListener("error", () => {
        editorLoad = null;
        reject(new Error("editor failed to load"));
      });
      document.head.append(script);
    });
  }
  return editorLoad;
}

// ---------------------------------------------------------------- the wizard

class Wizard {
  private state: State;
  private step = 0;
  private panels: HTMLElement[] = [];
  private tabs: HTMLButtonElement[] = [];
  private editors: { destroy(): void }[] = [];
  private banner = h("div", { class: "alert error", role: "alert", hidden: true, "data-testid": "wizard-error" });
  private busy = false;
  private dirty = false;
  private mode: "create" | "edit";
  private experimentId: string | null;
  private status: string;
  private slugTouched: boolean;

  constructor(
    private root: HTMLElement,
    private data: WizardData,
  ) {
    this.state = initialState(data.experiment);
    this.mode = data.mode;
    this.experimentId = data.experiment?.id ?? null;
    this.status = data.experiment?.status ?? "draft";
    this.slugTouched = data.mode === "edit";
  }

  render(): void {
    const tabList = h("div", { class: "wizard-steps", role: "tablist", "aria-label": "Wizard steps" });
    STEPS.forEach((label, i) => {
      const tab = h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `wz-tab-${i}`,
          "aria-controls": `wz-panel-${i}`,
          onclick: () => this.go(i, true),
          onkeydown: (e: KeyboardEvent) => {
            const to = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : -1;
            if (to < 0 || to >= STEPS.length) return;
            e.preventDefault();
            this.go(to, true);
            this.tabs[to].focus();
          },
        },
        h("span", { class: "step-no" }, String(i + 1)),
        ` ${label}`,
      );
      this.tabs.push(tab);
      tabList.append(tab);
    });
    const panelBox = h("div", { class: "wizard-panels" });
    for (let i = 0; i < STEPS.length; i += 1) {
      const panel = h("section", {
        class: "card wizard-panel",
        role: "tabpanel",
        id: `wz-panel-${i}`,
        "aria-labelledby": `wz-tab-${i}`,
        "data-step": i,
      });
      this.panels.push(panel);
      panelBox.append(panel);
    }
    const footer = h(
      "div",
      { class: "wizard-footer" },
      button("← Back", () => this.go(this.step - 1, true), { class: "wz-back" }),
      button("Next →", () => this.go(this.step + 1, true), { class: "wz-next" }),
      h("span", { class: "spacer" }),
      button(this.status === "paused" ? "Save changes" : "Save draft", () => void this.save(false), {
        class: "wz-save",
      }),
      button(this.status === "paused" ? "Save & resume" : "Launch", () => void this.save(true), {
        class: "primary wz-launch",
      }),
    );
    this.root.replaceChildren(tabList, this.banner, panelBox, footer);
    // Leaving with unsaved edits asks first; saving clears the flag before navigating away.
    const markDirty = (): void => {
      this.dirty = true;
    };
    this.root.addEventListener("input", markDirty);
    this.root.addEventListener("change", markDirty);
    panelBox.addEventListener("click", (e) => {
      if ((e.target as Element | null)?.closest("button")) markDirty();
    });
    window.addEventListener("beforeunload", (e) => {
      if (!this.dirty) return;
      e.preventDefault();
      e.returnValue = "";
    });
    for (let i = 0; i < STEPS.length; i += 1) this.renderPanel(i);
    this.go(Math.max(0, STEP_IDS.indexOf(window.location.hash.slice(1))));
  }

  private go(step: number, byUser = false): void {
    if (step < 0 || step >= STEPS.length) return;
    this.step = step;
    // A new step starts at its top, not wherever the previous one was scrolled to.
    if (byUser && this.root.getBoundingClientRect().top < 0) this.root.scrollIntoView({ block: "start" });
    if (byUser) window.history.replaceState(null, "", `#${STEP_IDS[step]}`);
    if (step === 5) this.renderPanel(5);
    this.panels.forEach((p, i) => (p.hidden = i !== step));
    this.tabs.forEach((t, i) => {
      t.setAttribute("aria-selected", String(i === step));
      t.tabIndex = i === step ? 0 : -1;
    });
    const back = this.root.querySelector<HTMLButtonElement>(".wz-back");
    const next = this.root.querySelector<HTMLButtonElement>(".wz-next");
    if (back) back.disabled = step === 0;
    if (next) next.hidden = step === STEPS.length - 1;
  }

  private renderPanel(i: number): void {
    const builders = [
      () => this.details(),
      () => this.variants(),
      () => this.targeting(),
      () => this.goals(),
      () => this.advanced(),
      () => this.review(),
    ];
    if (i === 1) {
      for (const editor of this.editors) editor.destroy();
      this.editors = [];
    }
    this.panels[i].replaceChildren(...present(builders[i]()));
  }

  // ------------------------------------------------------------ step 1: details

  private details(): Child[] {
    const s = this.state;
    const slugLocked = this.mode === "edit" && this.status !== "draft";
    const slug = textInput(s.slug, (v) => {
      s.slug = v;
      this.slugTouched = true;
    }, {
      placeholder: "derived from the name",
      autocomplete: "off",
      disabled: slugLocked,
      maxlength: 80,
    });
    const name = textInput(s.name, (v) => {
      s.name = v;
      if (!this.slugTouched) {
        s.slug = "";
        slug.placeholder = slugify(v) || "derived from the name";
      }
    }, { required: true, maxlength: 120, placeholder: "Homepage Hero Test" });
    const custom = numberInput(s.delay, (v) => (s.delay = v), {
      min: 0,
      max: 5000,
      "aria-label": "Custom delay in milliseconds",
      class: "delay-custom",
      hidden: s.delayPreset !== "custom",
    });
    const radios = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Activation delay" });
    const presets: [string, string, number | null][] = [...DELAYS, ["custom", "Custom", null]];
    for (const [key, label, ms] of presets) {
      const id = nextId();
      radios.append(
        h(
          "label",
          { class: "seg-option", for: id },
          h("input", {
            type: "radio",
            name: "delay-preset",
            id,
            value: key,
            checked: s.delayPreset === key,
            onchange: () => {
              s.delayPreset = key;
              if (ms !== null) s.delay = ms;
              custom.hidden = ms !== null;
              if (ms === null) custom.focus();
            },
          }),
          h("span", {}, label, ms !== null ? h("small", {}, ` ${ms} ms`) : null),
        ),
      );
    }
    return [
      h("h2", {}, "Details"),
      field("Experiment name", "name", name, "An internal name your team will recognise."),
      field(
        "Slug",
        "slug",
        slug,
        slugLocked
          ? "The slug is fixed once the experiment has run."
          : "URL-safe id used in preview links and the snippet: lowercase letters, digits, hyphens.",
      ),
      field("Description", "description", textArea(s.description, (v) => (s.description = v), {
        placeholder: "What you are testing and why",
      })),
      field("Hypothesis", "hypothesis", textArea(s.hypothesis, (v) => (s.hypothesis = v), {
        placeholder: "Changing the CTA to green will increase sign-ups by 15%",
      })),
      h(
        "div",
        { class: "field", "data-field": "activation_delay_ms" },
        h("span", { class: "label" }, "Activation delay"),
        radios,
        custom,
        h(
          "small",
          { class: "muted" },
          "How long the snippet waits before revealing the page, so your framework can render first. " +
            "100 ms suits most sites; 500 ms for React, Vue or Angular.",
        ),
      ),
    ];
  }

  // ------------------------------------------------------------ step 2: variants

  private weightTotal(): HTMLElement {
    const total = this.state.variants.reduce((sum, v) => sum + (Number.isFinite(v.weight) ? v.weight : 0), 0);
    const ok = total === 100;
    return h(
      "p",
      { class: `weight-total ${ok ? "ok" : "bad"}`, "data-testid": "weight-total" },
      ok ? "Weights add up to 100% ✓" : `Weights add up to ${total}%: they must add up to 100%.`,
    );
  }

  private refreshTotal(): void {
    const old = this.panels[1].querySelector(".weight-total");
    if (old) old.replaceWith(this.weightTotal());
  }

  private variants(): Child[] {
    const s = this.state;
    const list = h("div", { class: "variants" });
    s.variants.forEach((v, i) => list.append(this.variantCard(v, i)));
    const started = this.data.experiment !== null && this.status === "paused";
    return [
      h("h2", {}, "Variants"),
      h(
        "p",
        { class: "muted" },
        "The control is your baseline; it can carry changes too. Weights are the share of included visitors each variant gets.",
      ),
      h(
        "div",
        { class: "field weights-bar", "data-field": "variants" },
        this.weightTotal(),
        h(
          "div",
          { class: "row-actions" },
          button("Split evenly", () => {
            evenWeights(s.variants.length).forEach((w, i) => (s.variants[i].weight = w));
            this.renderPanel(1);
          }),
          button("+ Add Variation", () => this.addVariant(), {
            disabled: s.variants.length >= 10 || started,
            title: started ? "Variants cannot be added once an experiment has run." : undefined,
          }),
        ),
      ),
      list,
    ];
  }

  /** With two variants the other weight is implied: keep the pair at 100. */
  private complementWeight(changed: number): void {
    const variants = this.state.variants;
    const value = variants[changed].weight;
    if (variants.length !== 2 || !Number.isInteger(value) || value < 0 || value > 100) return;
    const other = 1 - changed;
    variants[other].weight = 100 - value;
    const inputs = this.panels[1].querySelectorAll<HTMLInputElement>("input.weight");
    if (inputs[other]) inputs[other].value = String(100 - value);
  }

  private addVariant(): void {
    const s = this.state;
    const letter = String.fromCharCode(65 + s.variants.length - 1);
    s.variants.push({ id: null, key: null, name: `Variation ${letter}`, weight: 0, changes: [] });
    evenWeights(s.variants.length).forEach((w, i) => (s.variants[i].weight = w));
    this.renderPanel(1);
    const inputs = this.panels[1].querySelectorAll<HTMLInputElement>(".variant-name");
    inputs[inputs.length - 1]?.focus();
  }

  private removeVariant(i: number): void {
    const s = this.state;
    s.variants.splice(i, 1);
    evenWeights(s.variants.length).forEach((w, j) => (s.variants[j].weight = w));
    this.renderPanel(1);
  }

  private previewLink(v: Variant): Node | null {
    const slug = this.data.experiment?.slug;
    if (!v.id || !slug) {
      return h("p", { class: "muted small" }, "Save the draft to get a preview link for this variant.");
    }
    if (!this.data.base_url) {
      return h("p", { class: "muted small" }, "Set the project's base URL to get preview links.");
    }
    const sep = this.data.base_url.includes("?") ? "&" : "?";
    const url = `${this.data.base_url}${sep}segmently_preview=${encodeURIComponent(slug)}:${v.id}`;
    return h(
      "div",
      { class: "copy-row preview-link" },
      h("code", { class: "code" }, url),
      copyButton(() => url, "Copy preview link"),
    );
  }

  private variantCard(v: Variant, i: number): HTMLElement {
    const path = `variants.${i}`;
    const isControl = i === 0;
    const changes = h("ol", { class: "changes-edit" });
    v.changes.forEach((c, j) => changes.append(this.changeRow(v, i, c, j)));
    return h(
      "div",
      { class: "wz-variant", "data-field": path, "data-testid": "variant-card" },
      h(
        "div",
        { class: "variant-top" },
        field(
          isControl ? "Control name" : `Variation ${i} name`,
          `${path}.name`,
          textInput(v.name, (val) => (v.name = val), { class: "variant-name", maxlength: 120 }),
        ),
        field(
          "Weight (%)",
          `${path}.weight`,
          numberInput(v.weight, (val) => {
            v.weight = val;
            this.complementWeight(i);
            this.refreshTotal();
          }, { min: 0, max: 100, class: "weight", "aria-label": `Weight of ${v.name || "variant " + i} (%)` }),
        ),
        isControl
          ? h("span", { class: "muted small control-note" }, "Control · cannot be removed")
          : button("Remove", () => this.removeVariant(i), {
              class: "link-danger",
              "aria-label": `Remove ${v.name || "variation"}`,
              disabled: this.status === "paused",
            }),
      ),
      v.key ? h("p", { class: "muted small" }, "Key: ", h("code", {}, v.key)) : null,
      h(
        "div",
        { class: "field", "data-field": `${path}.changes` },
        h("span", { class: "label" }, "Changes"),
        v.changes.length ? changes : h("p", { class: "muted small" }, "No changes: this variant shows the page as it is."),
      ),
      h(
        "div",
        { class: "row-actions" },
        button("+ Add change", () => {
          v.changes.push(emptyChange());
          this.renderPanel(1);
        }, { "aria-label": `Add a change to ${v.name || "variant " + i}` }),
        button("Visual Editor", () => this.visualEditor(v), { "aria-label": `Visual Editor for ${v.name || "variant " + i}` }),
      ),
      this.previewLink(v),
    );
  }

  /** The visual editor island (visual-editor.ts), loaded on first use; it hands back the list. */
  private visualEditor(v: Variant): void {
    const open = (): void =>
      window.SegmentlyVisualEditor?.open({
        variant: v.name || "Variant",
        baseUrl: this.data.base_url,
        urlRules: this.state.urlRules,
        changes: v.changes,
        onSave: (changes) => {
          v.changes = changes;
          this.dirty = true;
          this.renderPanel(1);
        },
      });
    if (window.SegmentlyVisualEditor) return open();
    const script = h("script", { src: "/static/dist/visual-editor.js", async: true });
    script.addEventListener("load", open);
    script.addEventListener("error", () => this.showError("The visual editor could not be loaded. Reload the page and try again.", null));
    document.head.append(script);
  }

  private changeRow(v: Variant, i: number, c: Change, j: number): HTMLElement {
    const path = `variants.${i}.changes.${j}`;
    const row = h("li", { class: "change", "data-field": path });
    const body = h("div", { class: "change-body" });
    const rebuild = (): void => body.replaceChildren(...present(this.changeFields(c, path)));
    const type = select(CHANGE_TYPES, c.type, (val) => {
      c.type = val as ChangeType;
      this.editorsFor(body).forEach((e) => e.destroy());
      rebuild();
      this.mountEditors(body);
    });
    const move = (delta: number): void => {
      const to = j + delta;
      if (to < 0 || to >= v.changes.length) return;
      [v.changes[j], v.changes[to]] = [v.changes[to], v.changes[j]];
      this.renderPanel(1);
    };
    row.append(
      h(
        "div",
        { class: "change-head" },
        field(`Type of change ${j + 1}`, `${path}.type`, type),
        h(
          "div",
          { class: "row-actions" },
          button("↑", () => move(-1), { "aria-label": "Move change up", disabled: j === 0 }),
          button("↓", () => move(1), { "aria-label": "Move change down", disabled: j === v.changes.length - 1 }),
          button("Remove", () => {
            v.changes.splice(j, 1);
            this.renderPanel(1);
          }, { class: "link-danger", "aria-label": `Remove change ${j + 1}` }),
        ),
      ),
      body,
    );
    rebuild();
    this.mountEditors(body);
    return row;
  }

  private changeFields(c: Change, path: string): Child[] {
    const out: Child[] = [];
    if (c.type !== "js") {
      const hint =
        c.type === "css"
          ? "Leave empty for page-wide CSS; with a selector, write declarations for those elements."
          : undefined;
      out.push(
        field("CSS selector", `${path}.selector`, textInput(c.selector, (v) => {
          c.selector = v;
          if (c.type === "css") this.cssMode(path, v);
        }, {
          placeholder: c.type === "css" ? "(page-wide)" : "#hero .cta",
          autocomplete: "off",
          spellcheck: "false",
        }), hint),
      );
    }
    if (c.type === "attribute") {
      out.push(
        field("Attribute", `${path}.attribute`, textInput(c.attribute, (v) => (c.attribute = v), {
          placeholder: "href",
          autocomplete: "off",
        })),
      );
    }
    if (c.type === "hide" || c.type === "remove") return out;
    let language = CODE_LANGUAGE[c.type];
    if (c.type === "css" && c.selector.trim()) language = "css-declarations";
    const labels: Record<string, string> = {
      text: "New text",
      attribute: "Value",
      html: "HTML",
      css: "CSS",
      js: "JavaScript",
    };
    const area = textArea(c.value, (v) => (c.value = v), {
      rows: language ? 6 : 2,
      class: language ? "code-input" : undefined,
      spellcheck: language ? "false" : undefined,
      "data-language": language,
      placeholder:
        c.type === "css"
          ? "background: #10b981;\ncolor: white;"
          : c.type === "js"
            ? "document.querySelector('.cta').textContent = 'Start free trial';"
            : undefined,
    });
    out.push(field(labels[c.type], `${path}.value`, area));
    return out;
  }

  /** CSS with a selector is a list of declarations; without one, a stylesheet. */
  private cssMode(path: string, selector: string): void {
    const area = this.root.querySelector<EditorArea>(`[data-field="${path}.value"] textarea`);
    if (!area) return;
    const language = selector.trim() ? "css-declarations" : "css";
    if (area.dataset.language === language) return;
    area.dataset.language = language;
    area._editor?.setLanguage(language);
  }

  private editorsFor(container: HTMLElement): { destroy(): void }[] {
    const mine = (container as HTMLElement & { _editors?: { destroy(): void }[] })._editors ?? [];
    (container as HTMLElement & { _editors?: { destroy(): void }[] })._editors = [];
    return mine;
  }

  private mountEditors(container: HTMLElement): void {
    const areas = Array.from(container.querySelectorAll<HTMLTextAreaElement>("textarea.code-input"));
    if (areas.length === 0) return;
    loadEditor().then(
      (api) => {
        for (const area of areas) {
          if (!area.isConnected) continue; // re-rendered meanwhile
          const editor = api.mount(area, area.dataset.language || "css");
          (area as EditorArea)._editor = editor;
          this.editors.push(editor);
          const holder = container as HTMLElement & { _editors?: { destroy(): void }[] };
          holder._editors = [...(holder._editors ?? []), editor];
        }
      },
      () => undefined, // The plain textarea stays usable.
    );
  }

  // ------------------------------------------------------------ step 3: targeting

  private targeting(): Child[] {
    const s = this.state;
    const rules = h("div", { class: "list" });
    s.urlRules.forEach((r, i) => {
      const path = `targeting.url_rules.${i}`;
      rules.append(
        h(
          "div",
          { class: "list-row", "data-field": path },
          field("Match", `${path}.type`, select(URL_RULE_TYPES, r.type, (v) => (r.type = v))),
          field("URL or pattern", `${path}.value`, textInput(r.value, (v) => (r.value = v), {
            placeholder: r.type === "regex" ? "^https://example\\.com/product/[0-9]+$" : "/pricing",
            autocomplete: "off",
          })),
          button("Remove", () => {
            s.urlRules.splice(i, 1);
            this.renderPanel(2);
          }, { class: "link-danger", "aria-label": `Remove URL rule ${i + 1}` }),
        ),
      );
    });
    const conditions = h("div", { class: "list" });
    s.attributes.forEach((a, i) => {
      const path = `targeting.attributes.${i}`;
      const value = textInput(a.value, (v) => (a.value = v), { disabled: a.op === "exists" });
      conditions.append(
        h(
          "div",
          { class: "list-row", "data-field": path },
          field("Attribute", `${path}.name`, textInput(a.name, (v) => (a.name = v), { placeholder: "plan" })),
          field("Operator", `${path}.op`, select(OPS, a.op, (v) => {
            a.op = v;
            value.disabled = v === "exists";
          })),
          field("Value", `${path}.value`, value),
          button("Remove", () => {
            s.attributes.splice(i, 1);
            this.renderPanel(2);
          }, { class: "link-danger", "aria-label": `Remove condition ${i + 1}` }),
        ),
      );
    });
    const range = h("input", {
      type: "range",
      min: 0,
      max: 100,
      value: String(s.traffic),
      "aria-label": "Traffic percentage slider",
    });
    const traffic = numberInput(s.traffic, (v) => {
      s.traffic = v;
      range.value = String(v);
    }, { min: 0, max: 100 });
    range.addEventListener("input", () => {
      s.traffic = Number(range.value);
      traffic.value = range.value;
    });
    return [
      h("h2", {}, "Targeting"),
      h("div", { class: "field", "data-field": "targeting.url_rules" },
        h("span", { class: "label" }, "URL rules"),
        h("small", { class: "muted" }, "The experiment runs on pages matching ANY rule. No rules: every page."),
        rules,
        h("div", { class: "row-actions" }, button("+ Add URL rule", () => {
          s.urlRules.push({ type: "contains", value: "" });
          this.renderPanel(2);
        })),
      ),
      field("Devices", "targeting.device", select(DEVICES, s.device, (v) => (s.device = v))),
      field("Countries", "targeting.countries", textInput(s.countries, (v) => (s.countries = v), {
        placeholder: "US, GB, DE",
        autocomplete: "off",
      }), "ISO 3166-1 alpha-2 codes, comma-separated. Empty: all countries."),
      h("div", { class: "field", "data-field": "targeting.attributes" },
        h("span", { class: "label" }, "Visitor attributes"),
        h("small", { class: "muted" }, "All conditions must hold; attributes come from Segmently.setAttributes()."),
        conditions,
        h("div", { class: "row-actions" }, button("+ Add condition", () => {
          s.attributes.push({ name: "", op: "equals", value: "" });
          this.renderPanel(2);
        })),
      ),
      h("div", { class: "field", "data-field": "traffic_percentage" },
        h("label", { for: traffic.id || (traffic.id = nextId()) }, "Traffic percentage"),
        h("div", { class: "traffic-row" }, range, traffic, h("span", {}, "%")),
        h("small", { class: "muted" }, "The share of matching visitors who enter the experiment; try 10% before a full rollout."),
      ),
    ];
  }

  // ------------------------------------------------------------ step 4: goals

  private goals(): Child[] {
    const s = this.state;
    const list = h("div", { class: "list" });
    s.goals.forEach((g, i) => list.append(this.goalRow(g, i)));
    const funnel = h("ol", { class: "list funnel" });
    s.funnel.forEach((step, i) => {
      const path = `funnel_steps.${i}`;
      funnel.append(
        h(
          "li",
          { class: "list-row", "data-field": path },
          field(`Step ${i + 1} label`, `${path}.label`, textInput(step.label, (v) => (step.label = v), {
            placeholder: "Checkout",
          })),
          field("URL contains", `${path}.url`, textInput(step.url, (v) => (step.url = v), {
            placeholder: "/checkout",
          })),
          field("Event name (optional)", `${path}.event_name`, textInput(step.event_name, (v) => (step.event_name = v), {
            placeholder: "add_to_cart",
          })),
          button("Remove", () => {
            s.funnel.splice(i, 1);
            this.renderPanel(3);
          }, { class: "link-danger", "aria-label": `Remove step ${i + 1}` }),
        ),
      );
    });
    const gated = !this.data.features.funnels;
    return [
      h("h2", {}, "Goals"),
      h("p", { class: "muted" }, "The primary goal feeds the Conversions tile and decides the winner. Secondary goals are counted too."),
      h("div", { class: "field", "data-field": "goals" },
        list,
        h("div", { class: "row-actions" }, button("+ Add goal", () => {
          s.goals.push({ name: "", kind: "click", selector: "", url: "", event_name: "", primary: s.goals.length === 0 });
          this.renderPanel(3);
        })),
      ),
      h("h3", {}, "Multi-page funnel"),
      h("p", { class: "muted" }, "Ordered steps a visitor must complete in sequence. An empty URL or / means the home page only."),
      gated ? h("p", { class: "plan-note" }, `Funnels need the Professional plan or higher (you are on ${this.data.plan}).`) : null,
      h("div", { class: "field", "data-field": "funnel_steps" },
        funnel,
        h("div", { class: "row-actions" }, button("+ Add Step", () => {
          s.funnel.push({ label: "", url: "", event_name: "" });
          this.renderPanel(3);
        }, { disabled: gated && s.funnel.length === 0 })),
      ),
    ];
  }

  private goalRow(g: Goal, i: number): HTMLElement {
    const s = this.state;
    const path = `goals.${i}`;
    const target = h("div", { class: "goal-target" });
    const fillTarget = (): void => {
      if (g.kind === "click" || g.kind === "form_submit") {
        target.replaceChildren(field("CSS selector", `${path}.selector`, textInput(g.selector, (v) => (g.selector = v), {
          placeholder: g.kind === "click" ? "#buy-button" : "form#signup",
          autocomplete: "off",
        })));
      } else if (g.kind === "page_view") {
        target.replaceChildren(field("Conversion URL", `${path}.url`, textInput(g.url, (v) => (g.url = v), {
          placeholder: "/thank-you",
        })));
      } else {
        target.replaceChildren(field("Event name", `${path}.event_name`, textInput(g.event_name, (v) => (g.event_name = v), {
          placeholder: "purchase_complete",
        }), "Fire it with window.Segmently.track('purchase_complete')."));
      }
    };
    fillTarget();
    const primaryId = nextId();
    return h(
      "div",
      { class: "list-row goal", "data-field": path },
      field("Goal name", `${path}.name`, textInput(g.name, (v) => (g.name = v), { placeholder: "Sign up", maxlength: 120 })),
      field("Type", `${path}.kind`, select(GOAL_KINDS, g.kind, (v) => {
        g.kind = v;
        fillTarget();
      })),
      target,
      h(
        "div",
        { class: "field check", "data-field": `${path}.primary` },
        h("label", { for: primaryId, class: "check" },
          h("input", {
            type: "radio",
            name: "primary-goal",
            id: primaryId,
            checked: g.primary,
            onchange: () => s.goals.forEach((other) => (other.primary = other === g)),
          }),
          " Primary goal",
        ),
      ),
      button("Remove", () => {
        s.goals.splice(i, 1);
        if (g.primary && s.goals[0]) s.goals[0].primary = true;
        this.renderPanel(3);
      }, { class: "link-danger", "aria-label": `Remove goal ${i + 1}` }),
    );
  }

  // ------------------------------------------------------------ step 5: advanced

  private gate(allowed: boolean, need: string): Node | null {
    return allowed ? null : h("p", { class: "plan-note" }, `Needs the ${need} plan or higher (you are on ${this.data.plan}).`);
  }

  private advanced(): Child[] {
    const s = this.state;
    const f = this.data.features;
    const events = h("div", { class: "checks" });
    for (const name of WEBHOOK_EVENTS) {
      const id = nextId();
      events.append(
        h("label", { class: "check", for: id },
          h("input", {
            type: "checkbox",
            id,
            checked: s.webhookEvents.includes(name),
            disabled: !f.experiment_webhooks,
            onchange: (e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              s.webhookEvents = on ? [...s.webhookEvents, name] : s.webhookEvents.filter((x) => x !== name);
            },
          }),
          ` ${name}`,
        ),
      );
    }
    const autoId = nextId();
    return [
      h("h2", {}, "Advanced"),
      h("h3", {}, "Scheduling"),
      this.gate(f.scheduling, "Business"),
      h("div", { class: "two-col", "data-field": "schedule" },
        field("Start at", "schedule.start_at", h("input", {
          type: "datetime-local",
          value: s.startAt,
          disabled: !f.scheduling,
          oninput: (e: Event) => (s.startAt = (e.target as HTMLInputElement).value),
        }), "Your local time. Starts the experiment automatically."),
        field("End at", "schedule.end_at", h("input", {
          type: "datetime-local",
          value: s.endAt,
          disabled: !f.scheduling,
          oninput: (e: Event) => (s.endAt = (e.target as HTMLInputElement).value),
        }), "Pauses the experiment automatically."),
      ),
      h("div", { class: "field check", "data-field": "schedule.auto_pause_at_significance" },
        h("label", { class: "check", for: autoId },
          h("input", {
            type: "checkbox",
            id: autoId,
            checked: s.autoPause,
            disabled: !f.scheduling,
            onchange: (e: Event) => (s.autoPause = (e.target as HTMLInputElement).checked),
          }),
          " Pause automatically when a variant reaches 95% confidence",
        ),
      ),
      h("h3", {}, "Cross-domain tracking"),
      field("Domains", "cross_domains", textInput(s.crossDomains, (v) => (s.crossDomains = v), {
        placeholder: "store.example.com, checkout.example.com",
        autocomplete: "off",
      }), "Comma-separated. Links to these domains carry the visitor id, so visitors keep their variant."),
      h("h3", {}, "Integrations"),
      field("Slack webhook URL", "integrations.slack_webhook_url", textInput(s.slack, (v) => (s.slack = v), {
        type: "url",
        placeholder: "https://hooks.slack.com/services/…",
        disabled: !f.slack,
      }), f.slack ? "Notified when the experiment starts, pauses, is archived or reaches significance." : `Needs the Professional plan or higher (you are on ${this.data.plan}).`),
      this.gate(f.ga4_mixpanel, "Business"),
      h("div", { class: "two-col" },
        field("GA4 measurement ID", "integrations.ga4_measurement_id", textInput(s.ga4, (v) => (s.ga4 = v), {
          placeholder: "G-XXXXXXXXXX",
          disabled: !f.ga4_mixpanel,
          autocomplete: "off",
        })),
        field("Mixpanel project token", "integrations.mixpanel_token", textInput(s.mixpanel, (v) => (s.mixpanel = v), {
          disabled: !f.ga4_mixpanel,
          autocomplete: "off",
        })),
      ),
      this.gate(f.experiment_webhooks, "Business"),
      field("Outbound webhook URL", "integrations.webhook_url", textInput(s.webhookUrl, (v) => (s.webhookUrl = v), {
        type: "url",
        placeholder: "https://example.com/hooks/segmently",
        disabled: !f.experiment_webhooks,
      })),
      h("div", { class: "field", "data-field": "integrations.webhook_events" },
        h("span", { class: "label" }, "Webhook events"), events,
        h("small", { class: "muted" }, "None chosen: all four."),
      ),
    ];
  }

  // ------------------------------------------------------------ step 6: review

  private review(): Child[] {
    const s = this.state;
    const delay = DELAYS.find(([key]) => key === s.delayPreset);
    const rows: [string, Child | Child[]][] = [
      ["Name", s.name || h("em", { class: "muted" }, "missing")],
      ["Slug", h("code", {}, s.slug || slugify(s.name) || "experiment")],
      ["Activation delay", `${delay ? delay[1] : "Custom"} (${s.delay} ms)`],
      ["Variants", s.variants.map((v) => h("div", {}, `${v.name} · ${v.weight}% · ${v.changes.length} change${v.changes.length === 1 ? "" : "s"}`))],
      ["URLs", s.urlRules.length ? s.urlRules.map((r) => h("div", {}, `${r.type.replace("_", " ")} `, h("code", {}, r.value))) : "Every page"],
      ["Devices", (DEVICES.find(([d]) => d === s.device) ?? DEVICES[0])[1]],
      ["Countries", s.countries.trim() || "All countries"],
      ["Traffic", `${s.traffic}% of matching visitors`],
      ["Goals", s.goals.length ? s.goals.map((g) => h("div", {}, `${g.primary ? "★ " : ""}${g.name || "(unnamed)"} · ${(GOAL_KINDS.find(([k]) => k === g.kind) ?? GOAL_KINDS[0])[1]}`)) : h("em", { class: "muted" }, "No goal: conversions only from your own track('conversion') calls")],
    ];
    if (s.funnel.length) rows.push(["Funnel", s.funnel.map((f) => f.label || "(unnamed)").join(" → ")]);
    const total = s.variants.reduce((sum, v) => sum + (Number.isFinite(v.weight) ? v.weight : 0), 0);
    const paused = this.status === "paused";
    return [
      h("h2", {}, "Review & Launch"),
      h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, ...(Array.isArray(v) ? v : [v]))])),
      total !== 100 ? h("p", { class: "plan-note" }, `Weights add up to ${total}%, not 100%: fix them in Variants.`) : null,
      h("p", { class: "muted" },
        paused
          ? "Save your changes, or save and resume the experiment."
          : "Save a draft to preview each variant on your site first, or launch now: visitors on matching pages are bucketed at once.",
      ),
    ];
  }

  // ------------------------------------------------------------ saving

  private clearErrors(): void {
    this.banner.hidden = true;
    this.banner.textContent = "";
    this.root.querySelectorAll(".field-error").forEach((el) => el.remove());
    this.root.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }

  private showError(message: string, fieldPath: string | null): void {
    let target: HTMLElement | null = null;
    let path = fieldPath;
    while (path && !target) {
      target = this.root.querySelector<HTMLElement>(`[data-field="${CSS.escape(path)}"]`);
      if (!target) path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : null;
    }
    if (!target) {
      this.banner.textContent = message;
      this.banner.hidden = false;
      this.banner.scrollIntoView({ block: "nearest" });
      return;
    }
    const panel = target.closest<HTMLElement>("[data-step]");
    if (panel) this.go(Number(panel.dataset.step));
    const control = target.querySelector<HTMLElement>("input, select, textarea");
    control?.setAttribute("aria-invalid", "true");
    const note = h("p", { class: "field-error", role: "alert", "data-testid": "field-error" }, message);
    const labelEl = target.querySelector(":scope > label, :scope > .label");
    if (labelEl && labelEl.nextSibling) target.insertBefore(note, labelEl.nextSibling);
    else target.prepend(note);
    target.scrollIntoView({ block: "center" });
    if (control && !(control as HTMLInputElement).disabled) control.focus({ preventScroll: true });
  }

  private async call(method: string, url: string, body: unknown): Promise<{ ok: boolean; data: unknown }> {
    const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
    try {
      const res = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
      const data: unknown = await res.json().catch(() => null);
      return { ok: res.ok, data };
    } catch {
      return { ok: false, data: null };
    }
  }

  private reportFailure(data: unknown): void {
    const err = (data as { error?: { message?: string; field?: string | null } } | null)?.error;
    this.showError(
      err?.message || "The server could not be reached or failed. Your changes are still here: try again.",
      err?.field ?? null,
    );
  }

  private async save(launch: boolean): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.clearErrors();
    const buttons = this.root.querySelectorAll<HTMLButtonElement>(".wz-save, .wz-launch");
    buttons.forEach((b) => (b.disabled = true));
    try {
      const body = buildConfig(this.state);
      const saved =
        this.mode === "create"
          ? await this.call("POST", `/api/v1/projects/${this.data.project_id}/experiments`, body)
          : await this.call("PUT", `/api/v1/experiments/${this.experimentId}`, body);
      if (!saved.ok) {
        this.reportFailure(saved.data);
        return;
      }
      const experiment = saved.data as ExperimentOut;
      this.dirty = false;
      if (!launch) {
        window.location.assign(`/experiments/${experiment.id}?saved=${this.mode === "create" ? "draft" : "saved"}`);
        return;
      }
      const action = experiment.status === "paused" ? "resume" : "start";
      const started = await this.call("POST", `/api/v1/experiments/${experiment.id}/transitions`, { action });
      if (!started.ok) {
        // The configuration is stored: from now on this page edits that draft.
        this.mode = "edit";
        this.experimentId = experiment.id;
        window.history.replaceState(null, "", `/experiments/${experiment.id}/edit`);
        this.reportFailure(started.data);
        return;
      }
      window.location.assign(`/experiments/${experiment.id}?saved=launched`);
    } finally {
      this.busy = false;
      buttons.forEach((b) => (b.disabled = false));
    }
  }
}

function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[^\x00-\x7f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/g, "");
}

function boot(): void {
  const root = document.getElementById("wizard");
  const raw = document.getElementById("wizard-data")?.textContent;
  if (!root || !raw) return;
  new Wizard(root, JSON.parse(raw) as WizardData).render();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot);
} else {
  boot();
}

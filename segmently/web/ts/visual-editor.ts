// The visual editor's dashboard side: a modal with the customer's page in an iframe. The page's
// snippet answers our hello (see snippet/editor.ts), then reports what the user clicks and applies
// the working list of changes we send it. Loaded by the wizard only when "Visual Editor" is used.
//
// Messages are accepted only from the iframe's window and the origin we loaded it from, and only
// in the shapes listed in `accept`; nothing in them is ever run as code.

type ChangeType = "hide" | "remove" | "text" | "html" | "attribute" | "css" | "js";

export interface Change {
  type: ChangeType;
  selector: string;
  attribute: string;
  value: string;
}

export interface OpenOptions {
  variant: string;
  baseUrl: string;
  urlRules: { type: string; value: string }[];
  changes: Change[];
  onSave(changes: Change[]): void;
}

interface Probe {
  final_url: string;
  reachable: boolean;
  framable: boolean;
  frame_block: string | null;
  snippet_found: boolean;
  message: string;
}

/** What the page side may send, by type: each field's expected typeof. */
const SHAPES: Record<string, Record<string, string>> = {
  ready: { url: "string" },
  selected: { tag: "string", id: "string", label: "string", text: "string", html: "string", selector: "string", count: "number" },
  count: { selector: "string", count: "number", label: "string" },
  applied: { counts: "object", labels: "object" },
};

/** The message's data if it is one of ours in a known shape, else null. */
export function accept(data: unknown): Record<string, unknown> | null {
  if (!data || typeof data !== "object") return null;
  const d = data as Record<string, unknown>;
  if (d.segmently !== "editor" || typeof d.type !== "string" || !(d.type in SHAPES)) return null;
  for (const [key, kind] of Object.entries(SHAPES[d.type])) {
    if (typeof d[key] !== kind) return null;
  }
  if (d.type === "applied") {
    const ok = (a: unknown, kind: string): boolean => Array.isArray(a) && a.every((x) => typeof x === kind);
    if (!ok(d.counts, "number") || !ok(d.labels, "string")) return null;
  }
  if (d.type === "selected" && !(Array.isArray(d.classes) && d.classes.every((c) => typeof c === "string"))) return null;
  return d;
}

const TYPES: [ChangeType, string][] = [
  ["hide", "Hide element"],
  ["remove", "Remove element"],
  ["text", "Replace text"],
  ["html", "Edit HTML"],
  ["attribute", "Set attribute"],
  ["css", "Custom CSS"],
];
const TYPE_NAMES: Record<string, string> = Object.fromEntries(TYPES);
const HANDSHAKE_MS = 5000;

/** The page to open first: the first exact or starts-with URL rule, else the project's base URL. */
export function targetUrl(baseUrl: string, rules: { type: string; value: string }[]): string {
  for (const r of rules) {
    if ((r.type === "exact" || r.type === "starts_with") && /^https?:\/\//i.test(r.value.trim())) return r.value.trim();
  }
  return baseUrl;
}

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value as EventListener);
    else if (key === "class") el.className = String(value);
    else if (key === "value") (el as HTMLInputElement).value = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "es"}`;

class VisualEditor {
  private changes: Change[];
  private kept: Change[]; // JavaScript and page-wide CSS: not element changes, saved untouched
  private labels: string[] = [];
  private counts: number[] = [];
  private editing = -1;
  private origin = "";
  private connected = false;
  private timer = 0;
  private deadline = 0;
  private countTimer = 0;
  private edited = false;

  private root: HTMLElement;
  private frame = h("iframe", { title: "Page being edited", class: "ve-frame", "data-testid": "ve-frame" });
  private urlInput = h("input", { type: "url", id: "ve-url", class: "ve-url", required: true, autocomplete: "off" });
  private notices = h("div", { class: "ve-notices", "aria-live": "polite" });
  private status = h("span", { class: "ve-status muted", "data-testid": "ve-status" }, "Loading…");
  private details = h("dl", { class: "ve-details", "data-testid": "ve-details" });
  private selector = h("input", { type: "text", id: "ve-selector", autocomplete: "off", spellcheck: "false" });
  private matches = h("span", { class: "ve-matches muted", "data-testid": "ve-matches", "aria-live": "polite" });
  private type = h("select", { id: "ve-type" }, ...TYPES.map(([v, l]) => h("option", { value: v }, l)));
  private attribute = h("input", { type: "text", id: "ve-attr", autocomplete: "off", placeholder: "href" });
  private value = h("textarea", { id: "ve-value", rows: 4, spellcheck: "false" });
  private applyButton = h("button", { type: "button", class: "primary", "data-testid": "ve-apply" }, "Apply change");
  private tiles = h("ul", { class: "ve-tiles", "data-testid": "ve-tiles" });
  private tilesHead = h("h3", {}, "Changes");
  private selectMode = h("input", { type: "checkbox", id: "ve-select", checked: true });
  private picked: Record<string, unknown> | null = null;
  private onMessage = (e: MessageEvent): void => this.receive(e);
  private onKey = (e: KeyboardEvent): void => {
    if (e.key === "Escape") this.cancel();
  };

  constructor(private opts: OpenOptions) {
    const elementChange = (c: Change): boolean => c.type !== "js" && !(c.type === "css" && !c.selector.trim());
    this.changes = opts.changes.filter(elementChange).map((c) => ({ ...c }));
    this.kept = opts.changes.filter((c) => !elementChange(c)).map((c) => ({ ...c }));
    this.selectMode.checked = true;
    this.root = this.build();
  }

  open(): void {
    document.body.append(this.root);
    document.body.classList.add("ve-open");
    window.addEventListener("message", this.onMessage);
    document.addEventListener("keydown", this.onKey);
    this.urlInput.value = targetUrl(this.opts.baseUrl, this.opts.urlRules);
    this.renderTiles();
    this.syncFields();
    if (this.urlInput.value) this.load(this.urlInput.value);
    else this.notice("info", "ve-need-url", "Enter the address of a page of your site that has the Segmently snippet.");
    this.urlInput.focus();
  }

  /** Close without saving; edits made here are lost, so ask first. */
  private cancel(): void {
    if (this.edited && !window.confirm("Discard the changes made in the visual editor?")) return;
    this.close();
  }

  private close(): void {
    window.removeEventListener("message", this.onMessage);
    document.removeEventListener("keydown", this.onKey);
    window.clearInterval(this.timer);
    this.root.remove();
    document.body.classList.remove("ve-open");
  }

  // ---------------------------------------------------------------- layout

  private build(): HTMLElement {
    const field = (label: string, control: HTMLElement, extra?: Child): HTMLElement =>
      h("div", { class: "ve-field" }, h("label", { for: control.id }, label), control, extra);
    this.type.addEventListener("change", () => this.syncFields());
    this.selector.addEventListener("input", () => this.askCount());
    this.applyButton.addEventListener("click", () => this.applyControls());
    this.selectMode.addEventListener("change", () => this.post({ type: "mode", select: this.selectMode.checked }));
    const form = h(
      "form",
      {
        class: "ve-urlbar",
        onsubmit: (e: Event) => {
          e.preventDefault();
          this.load(this.urlInput.value);
        },
      },
      h("label", { for: "ve-url", class: "ve-url-label" }, "Page URL"),
      this.urlInput,
      h("button", { type: "submit" }, "Load"),
    );
    return h(
      "div",
      { class: "ve-backdrop", "data-testid": "visual-editor" },
      h(
        "div",
        { class: "ve-modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "ve-title" },
        h(
          "header",
          { class: "ve-head" },
          h("h2", { id: "ve-title" }, `Visual Editor · ${this.opts.variant}`),
          form,
          h("label", { class: "check ve-mode", for: "ve-select" }, this.selectMode, " Select elements"),
          this.status,
          h("button", { type: "button", class: "ve-close", "aria-label": "Close the visual editor", onclick: () => this.cancel() }, "✕"),
        ),
        h(
          "div",
          { class: "ve-body" },
          h("div", { class: "ve-stage" }, this.notices, this.frame),
          h(
            "aside",
            { class: "ve-side" },
            h("h3", {}, "Selected element"),
            this.details,
            field("CSS selector", this.selector, this.matches),
            field("Change", this.type),
            field("Attribute", this.attribute),
            field("Value", this.value),
            h("div", { class: "row-actions" }, this.applyButton),
            this.tilesHead,
            this.tiles,
          ),
        ),
        h(
          "footer",
          { class: "ve-foot" },
          h("span", { class: "muted small" }, "Saved into the variant; the wizard's Save stores the experiment."),
          h("button", { type: "button", onclick: () => this.cancel() }, "Cancel"),
          h("button", { type: "button", class: "primary", "data-testid": "ve-save", onclick: () => this.save() }, "Save to variant"),
        ),
      ),
    );
  }

  private notice(kind: "info" | "error", id: string, title: string, ...body: Child[]): void {
    this.clearNotice(id);
    this.notices.append(
      h("div", { class: `alert ${kind === "error" ? "error" : "info"} ve-notice`, role: "alert", "data-testid": id }, h("strong", {}, title), ...body),
    );
  }

  private clearNotice(id: string): void {
    this.notices.querySelector(`[data-testid="${id}"]`)?.remove();
  }

  // ---------------------------------------------------------------- loading and the handshake

  private load(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw.trim());
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    } catch {
      this.notice("error", "ve-bad-url", "Enter a full http:// or https:// address.");
      return;
    }
    this.notices.replaceChildren();
    this.origin = url.origin;
    this.connected = false;
    this.status.textContent = "Loading…";
    this.frame.onload = () => this.handshake();
    this.frame.src = url.href;
    void this.probe(url.href);
  }

  private handshake(): void {
    this.connected = false;
    window.clearInterval(this.timer);
    this.deadline = Date.now() + HANDSHAKE_MS;
    this.status.textContent = "Connecting to the snippet…";
    const hello = (): void => {
      if (this.connected) return window.clearInterval(this.timer);
      if (Date.now() > this.deadline) {
        window.clearInterval(this.timer);
        this.status.textContent = "Not connected";
        this.notice(
          "error",
          "ve-no-snippet",
          "Segmently Snippet Required",
          h("p", {}, "No Segmently snippet answered from this page, so elements cannot be selected here."),
          h(
            "ol",
            {},
            h("li", {}, "Copy the install snippet from your project's page."),
            h("li", {}, "Paste it into the <head> of this page and publish."),
            h("li", {}, "Reload the page here with Load."),
          ),
          h("p", { class: "small" }, "The snippet must come from this dashboard's address: it only answers the dashboard it was served from."),
        );
        return;
      }
      this.frame.contentWindow?.postMessage({ segmently: "editor-hello", v: 1 }, this.origin);
    };
    hello();
    this.timer = window.setInterval(hello, 250);
  }

  private async probe(url: string): Promise<void> {
    let result: Probe | null = null;
    let error = "";
    try {
      const res = await fetch(`/api/v1/editor/probe?url=${encodeURIComponent(url)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const data: unknown = await res.json().catch(() => null);
      if (res.ok) result = data as Probe;
      else error = (data as { error?: { message?: string } } | null)?.error?.message || `HTTP ${res.status}`;
    } catch {
      error = "the server could not be reached";
    }
    if (this.origin !== new URL(url).origin) return; // another page was loaded meanwhile
    if (result && !result.framable) {
      this.notice(
        "error",
        "ve-blocked",
        "This page cannot be shown in the editor",
        h("p", {}, result.message),
        h("p", { class: "small" }, "Browsers obey X-Frame-Options and the CSP frame-ancestors directive; until the page allows this dashboard, use manual CSS selectors in the Variants step."),
      );
    } else if (result && !result.reachable) {
      this.notice("info", "ve-unreachable", "The server could not fetch this page", h("p", {}, result.message));
    } else if (result && new URL(result.final_url).origin !== this.origin) {
      this.notice(
        "info",
        "ve-redirected",
        "This address redirects to another site",
        h("p", {}, `The page moves to ${result.final_url}; the editor can only talk to the address it loaded.`),
        h("button", { type: "button", onclick: () => ((this.urlInput.value = result.final_url), this.load(result.final_url)) }, "Load that address"),
      );
    } else if (!result) {
      this.notice("info", "ve-probe-failed", "The page could not be checked", h("p", {}, `${error}. The editor still tries to open it.`));
    }
  }

  // ---------------------------------------------------------------- messages

  private post(message: Record<string, unknown>): void {
    if (!this.connected) return;
    this.frame.contentWindow?.postMessage({ segmently: "editor", ...message }, this.origin);
  }

  private send(): void {
    this.post({ type: "set", changes: [...this.changes, ...this.kept.filter((c) => c.type === "css")] });
  }

  private receive(e: MessageEvent): void {
    if (e.source !== this.frame.contentWindow || e.origin !== this.origin) return;
    const d = accept(e.data);
    if (!d) return;
    if (d.type === "ready") {
      this.connected = true;
      window.clearInterval(this.timer);
      this.clearNotice("ve-no-snippet");
      this.status.textContent = "Connected";
      // The frame may have been navigated (selection off, a link followed): show where it is.
      if (/^https?:\/\//.test(String(d.url))) this.urlInput.value = String(d.url);
      this.post({ type: "mode", select: this.selectMode.checked });
      this.send();
    } else if (d.type === "selected") {
      this.picked = d;
      this.editing = -1;
      this.showDetails(d);
      this.selector.value = String(d.selector);
      this.showCount(Number(d.count));
      this.prefill();
      this.renderTiles();
    } else if (d.type === "count") {
      if (d.selector === this.selector.value.trim()) this.showCount(Number(d.count));
    } else if (d.type === "applied") {
      this.counts = d.counts as number[];
      this.labels = d.labels as string[];
      this.renderTiles();
    }
  }

  private showDetails(d: Record<string, unknown>): void {
    const rows: [string, string][] = [
      ["Tag", `<${String(d.tag)}>`],
      ["ID", String(d.id) || "—"],
      ["Classes", (d.classes as string[]).join(" ") || "—"],
      ["Text", String(d.label)],
    ];
    this.details.replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  private showCount(n: number): void {
    this.matches.textContent = n < 0 ? "Not a valid CSS selector" : n === 0 ? "No element matches" : `${plural(n, "match")} on this page`;
    this.matches.className = `ve-matches ${n === 1 ? "ok" : n < 0 || n === 0 ? "bad" : "muted"}`;
  }

  private askCount(): void {
    window.clearTimeout(this.countTimer);
    this.countTimer = window.setTimeout(() => {
      const s = this.selector.value.trim();
      if (s) this.post({ type: "count", selector: s });
      else this.matches.textContent = "";
    }, 120);
  }

  // ---------------------------------------------------------------- change controls

  private syncFields(): void {
    const t = this.type.value;
    (this.attribute.parentElement as HTMLElement).hidden = t !== "attribute";
    (this.value.parentElement as HTMLElement).hidden = t === "hide" || t === "remove";
    const label = this.value.parentElement?.querySelector("label");
    const names: Record<string, string> = { text: "New text", html: "HTML", attribute: "Value", css: "CSS declarations" };
    if (label) label.textContent = names[t] || "Value";
    this.value.placeholder = t === "css" ? "background: #10b981;\ncolor: white;" : "";
    if (this.editing < 0) this.prefill();
  }

  /** A new change starts from what the element has now (its text or HTML). */
  private prefill(): void {
    if (this.editing >= 0 || !this.picked) return;
    const t = this.type.value;
    this.value.value = t === "text" ? String(this.picked.text) : t === "html" ? String(this.picked.html) : "";
  }

  private applyControls(): void {
    const selector = this.selector.value.trim();
    if (!selector) {
      this.matches.textContent = "Select an element or type a CSS selector first.";
      this.matches.className = "ve-matches bad";
      this.selector.focus();
      return;
    }
    const type = this.type.value as ChangeType;
    const change: Change = {
      type,
      selector,
      attribute: type === "attribute" ? this.attribute.value.trim() : "",
      value: type === "hide" || type === "remove" ? "" : this.value.value,
    };
    if (type === "attribute" && !/^[A-Za-z_:][-\w:.]*$/.test(change.attribute)) {
      this.attribute.focus();
      this.matches.textContent = "Enter an attribute name such as href or alt.";
      return;
    }
    if (type === "attribute" && /^on/i.test(change.attribute)) {
      this.matches.textContent = "Event handler attributes are code: use a Custom JavaScript change instead.";
      return;
    }
    if (this.editing >= 0) this.changes[this.editing] = change;
    else this.changes.push(change);
    this.edited = true;
    this.editing = -1;
    this.applyButton.textContent = "Apply change";
    this.renderTiles();
    this.send();
  }

  private edit(i: number): void {
    const c = this.changes[i];
    this.editing = i;
    this.selector.value = c.selector;
    this.type.value = c.type;
    this.attribute.value = c.attribute;
    this.value.value = c.value;
    this.syncFields();
    this.applyButton.textContent = "Update change";
    this.askCount();
    this.renderTiles();
    this.selector.focus();
  }

  private renderTiles(): void {
    this.tilesHead.textContent = `Changes (${this.changes.length})`;
    if (!this.changes.length) {
      this.tiles.replaceChildren(h("li", { class: "muted small" }, "No changes yet: select an element, pick a change, Apply."));
      return;
    }
    this.tiles.replaceChildren(
      ...this.changes.map((c, i) => {
        const count = this.counts[i];
        const labelText = this.labels[i] || c.selector;
        return h(
          "li",
          { class: `ve-tile${i === this.editing ? " editing" : ""}`, "data-testid": "ve-tile" },
          h("div", { class: "ve-tile-label", title: labelText }, labelText),
          h(
            "div",
            { class: "ve-tile-meta small muted" },
            `${TYPE_NAMES[c.type] || c.type} · `,
            h("code", {}, c.selector),
            count === undefined ? "" : count === 0 ? " · not on this page yet" : ` · ${count} element${count === 1 ? "" : "s"}`,
          ),
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "button", class: "small", "aria-label": `Edit change ${i + 1}`, onclick: () => this.edit(i) }, "Edit"),
            h(
              "button",
              {
                type: "button",
                class: "small link-danger",
                "aria-label": `Remove change ${i + 1}`,
                onclick: () => {
                  this.changes.splice(i, 1);
                  this.edited = true;
                  this.counts.splice(i, 1);
                  this.labels.splice(i, 1);
                  if (this.editing === i) this.editing = -1;
                  this.renderTiles();
                  this.send();
                },
              },
              "Remove",
            ),
          ),
        );
      }),
    );
  }

  private save(): void {
    this.opts.onSave([...this.changes.map((c) => ({ ...c })), ...this.kept]);
    this.close();
  }
}

declare global {
  interface Window {
    SegmentlyVisualEditor?: { open(opts: OpenOptions): void };
  }
}

window.SegmentlyVisualEditor = { open: (opts: OpenOptions) => new VisualEditor(opts).open() };

// The visual editor's page side: a lazily loaded chunk, fetched by the core only after the
// dashboard (the origin the snippet came from) framed this page and said hello. It shows a blue
// overlay under the pointer, reports the clicked element (label, unique selector), and applies the
// editor's working list of changes live with the core's own change semantics (the core hands them
// over as `Segmently._e`), parents before children, also on elements rendered later.
//
// Messages are accepted only from the dashboard origin and the parent window, checked against a
// fixed set of types and shapes; nothing received is ever run as code (custom JavaScript is data
// the dashboard saves, never something this file executes).
import type { Change } from "./types";

interface Hooks {
  c: (c: Change, x: HTMLElement) => (() => void) | undefined; // the core's change()
  r: () => void; // opt this page view out: every running experiment reverts
  o: string; // the dashboard origin
  n?: string; // the snippet's CSP nonce
}

export type Msg = Record<string, unknown>;
export const TYPES = ["hide", "remove", "text", "html", "attribute", "css"];
const MAX = 100000;

const W = window as unknown as Record<string, any>;
const D = document;

/** Whitespace collapsed, at most 80 characters. */
const clean = (s: string) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 80 ? t.slice(0, 79) + "…" : t;
};
const SKIP = /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|SEGMENTLY-UI)$/;
const direct = (x: Element): string => {
  if (SKIP.test(x.tagName)) return "";
  for (const n of Array.from(x.childNodes)) if (n.nodeType == 3 && (n.nodeValue || "").trim()) return clean(n.nodeValue || "");
  return "";
};

/** The tile label, as "Selected Element Tiles" says: the element's first direct text node, else
 * the first immediate child element's text, else the first descendant's direct text; never the
 * container's concatenated text. Then a describing attribute, then the tag. */
export function label(x: Element): string {
  let t = direct(x);
  for (const c of Array.from(x.children)) t = t || direct(c);
  for (const c of Array.from(x.querySelectorAll("*"))) t = t || direct(c);
  for (const a of ["aria-label", "alt", "title", "placeholder", "value", "name"]) t = t || clean(x.getAttribute(a) || "");
  return t || "<" + x.tagName.toLowerCase() + ">";
}

const count = (sel: string): number => {
  try {
    return D.querySelectorAll(sel).length;
  } catch (e) {
    return -1; // not a valid selector
  }
};
const esc = (s: string) => CSS.escape(s);
// Ids and classes that look generated (hashes, counters, CSS-in-JS) or describe a state change
// between visits, so a selector built on them would not match the next time.
const GENERATED = /\d{3,}|^(css|sc|jsx|emotion|svelte|chakra|mui)-|[_-][a-z0-9]{5,}\d|^(is|has)-|^(active|hover|focus|focused|selected|open|show|visible|hidden|current)$/i;
const goodName = (s: string) => /^[A-Za-z][\w-]{0,40}$/.test(s) && !GENERATED.test(s);
const goodId = (x: Element) => !!x.id && goodName(x.id) && count("#" + esc(x.id)) == 1;
const classes = (x: Element) => Array.from(x.classList).filter(goodName).slice(0, 3);

/** Candidate selectors for the element alone, most stable and shortest first. */
function candidates(x: Element): string[] {
  const tag = x.tagName.toLowerCase();
  const out: string[] = [];
  if (goodId(x)) out.push("#" + esc(x.id));
  const cs = classes(x).map((c) => "." + esc(c));
  cs.forEach((c) => out.push(c));
  if (cs.length > 1) out.push(cs.slice(0, 2).join(""));
  cs.forEach((c) => out.push(tag + c));
  for (const a of ["data-testid", "data-test", "name", "aria-label"]) {
    const v = x.getAttribute(a);
    if (v && v.length < 60) out.push(`${tag}[${a}="${v.replace(/["\\]/g, "\\$&")}"]`);
  }
  out.push(tag);
  return out;
}
const only = (sel: string, x: Element) => count(sel) == 1 && D.querySelector(sel) == x;

/** A selector that matches ``x`` alone: the element's own id or classes, else a meaningful
 * ancestor in front of them, else a short chain of ``>`` steps with ``:nth-of-type`` only where
 * siblings are alike, stopping at the first ancestor with an id. */
export function selectorFor(x: Element): string {
  const own = candidates(x);
  for (const s of own) if (only(s, x)) return s;
  const mine = own[0];
  let up = x.parentElement;
  for (let i = 0; up && up != D.body && up != D.documentElement && i < 5; i++, up = up.parentElement)
    for (const a of candidates(up).slice(0, -1)) if (only(a + " " + mine, x)) return a + " " + mine;
  let chain = "";
  for (let cur: Element | null = x; cur && cur != D.documentElement; cur = cur.parentElement) {
    if (cur != x && goodId(cur)) return "#" + esc(cur.id) + " > " + chain;
    const tag = cur.tagName.toLowerCase();
    let step = tag + classes(cur).slice(0, 1).map((c) => "." + esc(c)).join("");
    const p = cur.parentElement;
    if (p && Array.from(p.children).filter((s) => s.tagName == cur!.tagName).length > 1)
      step += `:nth-of-type(${Array.from(p.children).filter((s) => s.tagName == cur!.tagName).indexOf(cur) + 1})`;
    chain = chain ? step + " > " + chain : step;
    if (only(chain, x)) return chain;
  }
  return chain;
}

const depth = (x: Element | null) => {
  let d = 0;
  while ((x = x && x.parentElement)) d++;
  return d;
};

/** A change received from the dashboard, or null if its shape is not one we know. */
export function validChange(c: unknown): Change | null {
  if (!c || typeof c != "object") return null;
  const o = c as Record<string, unknown>;
  const str = (v: unknown) => v == null || (typeof v == "string" && v.length <= MAX);
  if (TYPES.indexOf(o.type as string) < 0 || !str(o.selector) || !str(o.value) || !str(o.attribute)) return null;
  if (o.type == "attribute" && !/^[A-Za-z_:][-\w:.]{0,100}$/.test((o.attribute as string) || "")) return null;
  // An event handler attribute would be code from the other side: never set by the editor.
  if (o.type == "attribute" && /^on/i.test(o.attribute as string)) return null;
  return {
    type: o.type as Change["type"],
    selector: (o.selector as string) || "",
    value: (o.value as string) || "",
    attribute: (o.attribute as string) || "",
  };
}

function start(E: Hooks): void {
  const post = (m: Msg) => W.parent.postMessage({ segmently: "editor", ...m }, E.o);
  try {
    E.r();
  } catch (e) {}

  // ---- the overlay: one host in a shadow root, never under the pointer's events
  const host = D.createElement("segmently-ui");
  host.style.cssText = "all:initial!important;position:fixed!important;inset:0!important;pointer-events:none!important;z-index:2147483647!important;display:block!important";
  const root = host.attachShadow({ mode: "open" });
  const box = (color: string, fill: string) => {
    const b = D.createElement("div");
    b.style.cssText = `position:fixed;display:none;box-sizing:border-box;pointer-events:none;border:2px solid ${color};background:${fill};border-radius:2px;transition:all 60ms`;
    root.appendChild(b);
    return b;
  };
  const hover = box("#3b82f6", "rgba(59,130,246,.15)");
  const chosen = box("#1d4ed8", "rgba(29,78,216,.08)");
  chosen.style.borderStyle = "dashed";
  const tip = D.createElement("div");
  tip.style.cssText = "position:fixed;display:none;pointer-events:none;background:#1d4ed8;color:#fff;font:12px/1.6 system-ui,sans-serif;padding:0 6px;border-radius:3px;white-space:nowrap";
  root.appendChild(tip);
  const attach = () => {
    if (!host.isConnected) (D.body || D.documentElement).appendChild(host);
  };
  attach();

  let selecting = true;
  let under: Element | null = null;
  let picked: Element | null = null;
  const place = (b: HTMLElement, x: Element | null) => {
    if (!x || !x.isConnected) return (b.style.display = "none");
    const r = x.getBoundingClientRect();
    Object.assign(b.style, { display: "block", left: r.left + "px", top: r.top + "px", width: r.width + "px", height: r.height + "px" });
    return "";
  };
  const redraw = () => {
    place(hover, selecting ? under : null);
    place(chosen, picked);
    if (selecting && under && under.isConnected) {
      const r = under.getBoundingClientRect();
      tip.textContent = under.tagName.toLowerCase() + (under.id ? "#" + under.id : "");
      Object.assign(tip.style, { display: "block", left: Math.max(0, r.left) + "px", top: Math.max(0, r.top - 20) + "px" });
    } else tip.style.display = "none";
  };
  const target = (e: Event): Element | null => {
    const t = e.target;
    return t instanceof Element && t != host && t != D.documentElement ? t : null;
  };
  const on = (t: EventTarget, names: string, f: (e: Event) => void, passive?: boolean) =>
    names.split(" ").forEach((n) =>
      t.addEventListener(
        n,
        (e) => {
          try {
            f(e);
          } catch (x) {}
        },
        { capture: true, passive },
      ),
    );
  on(D, "mouseover mousemove", (e) => {
    if (!selecting) return;
    under = target(e);
    redraw();
  });
  on(W as any, "scroll resize", redraw, true);
  // While selecting, a click selects: the page's own handlers and links never see it.
  on(D, "pointerdown mousedown mouseup pointerup submit dblclick", (e) => {
    if (selecting && target(e)) e.preventDefault(), e.stopPropagation();
  });
  on(D, "click", (e) => {
    const x = target(e);
    if (!selecting || !x) return;
    e.preventDefault();
    e.stopPropagation();
    picked = x;
    redraw();
    const selector = selectorFor(x);
    post({
      type: "selected",
      tag: x.tagName.toLowerCase(),
      id: x.id || "",
      classes: Array.from(x.classList).slice(0, 20),
      label: label(x),
      text: clean(x.textContent || "").slice(0, 500),
      html: x.innerHTML.length <= MAX ? x.innerHTML : "",
      selector,
      count: count(selector),
    });
  });

  // ---- the working list of changes, applied as the core would
  let list: Change[] = [];
  let marks: Element[][] = [];
  let undo: (() => void)[] = [];
  let sent = "";
  const pass = (): boolean => {
    const todo: [number, number, Element][] = [];
    list.forEach((c, i) => {
      if (!c.selector) return;
      try {
        D.querySelectorAll(c.selector).forEach((x) => {
          if (marks[i].indexOf(x) < 0 && !host.contains(x)) todo.push([depth(x), i, x]);
        });
      } catch (e) {}
    });
    todo.sort((p, q) => p[0] - q[0]);
    todo.forEach(([, i, x]) => {
      if (!x.isConnected || marks[i].indexOf(x) >= 0) return;
      marks[i].push(x);
      try {
        const u = E.c(list[i], x as HTMLElement);
        if (u) undo.push(u);
      } catch (e) {}
    });
    return todo.length > 0;
  };
  const report = () => {
    const m = {
      type: "applied",
      counts: marks.map((m) => m.length),
      labels: marks.map((m) => (m[0] ? label(m[0]) : "")),
    };
    const s = JSON.stringify(m);
    if (s != sent) post(m), (sent = s);
  };
  const apply = () => {
    for (let i = 0; i < 3 && pass(); i++);
    attach();
    redraw();
    report();
  };
  const set = (changes: Change[]) => {
    undo.reverse().forEach((f) => {
      try {
        f();
      } catch (e) {}
    });
    list = changes;
    marks = changes.map(() => []);
    undo = [];
    // Page-wide CSS (no selector) is a style sheet, as the core adds it; text only, never code.
    changes.forEach((c) => {
      if (c.type == "css" && !c.selector && c.value) {
        const s = D.createElement("style");
        if (E.n) s.setAttribute("nonce", E.n);
        s.textContent = c.value;
        (D.head || D.documentElement).appendChild(s);
        undo.push(() => s.remove());
      }
    });
    apply();
  };
  // Elements rendered later (frameworks) get their saved changes as soon as they exist.
  let queued = 0;
  new MutationObserver(() => {
    if (!queued) queued = W.setTimeout(() => ((queued = 0), apply()), 30);
  }).observe(D.documentElement, { childList: true, subtree: true });

  on(W as any, "message", (e) => {
    const m = e as MessageEvent;
    const d = m.data;
    if (m.origin != E.o || m.source != W.parent || !d || typeof d != "object") return;
    if (d.segmently == "editor-hello") return post({ type: "ready", url: location.href, title: D.title });
    if (d.segmently != "editor") return;
    if (d.type == "set" && Array.isArray(d.changes) && d.changes.length <= 500) {
      const ok = d.changes.map(validChange);
      if (ok.every(Boolean)) set(ok as Change[]);
    } else if (d.type == "count" && typeof d.selector == "string" && d.selector.length <= 2000) {
      const n = count(d.selector);
      let x: Element | null = null;
      try {
        x = n > 0 ? D.querySelector(d.selector) : null;
      } catch (err) {}
      picked = x;
      redraw();
      post({ type: "count", selector: d.selector, count: n, label: x ? label(x) : "" });
    } else if (d.type == "mode" && typeof d.select == "boolean") {
      selecting = d.select;
      under = null;
      redraw();
    }
  });
  post({ type: "ready", url: location.href, title: D.title });
}

try {
  const E = W.Segmently && (W.Segmently._e as Hooks | undefined);
  if (E && !W.Segmently._ed) {
    W.Segmently._ed = 1;
    start(E);
  }
} catch (e) {}

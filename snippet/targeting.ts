// Targeting, in the order of the spec's "How Targeting Works": URL rules (OR), device, country,
// attributes (AND). Mirrors segmently/core/targeting.py (pinned by spec/targeting.json); never
// throws.
import type { Attrs, Condition, Rule, Targeting } from "./types";

const noFragment = (u: string) => u.split("#")[0];
/** The URL without fragment and query, and without one trailing "/". */
const page = (u: string) => {
  u = noFragment(u).split("?")[0];
  return u.length > 1 && u.slice(-1) == "/" ? u.slice(0, -1) : u;
};
const ends = (s: string, v: string) => s.length >= v.length && s.slice(s.length - v.length) == v;

export function urlMatches(rule: Rule, url: string): boolean {
  const v = rule.value;
  switch (rule.type) {
    case "exact":
      return noFragment(v) == noFragment(url) || (v.indexOf("?") < 0 && page(v) == page(url));
    case "contains":
      return url.indexOf(v) >= 0;
    case "starts_with":
      return url.indexOf(v) == 0;
    case "ends_with":
      return ends(noFragment(url), v) || ends(page(url), v.length > 1 && v.slice(-1) == "/" ? v.slice(0, -1) : v);
    case "regex":
      // The saved pattern is inside the subset of docs/hashing.md: it means what
      // new RegExp(pattern).test(url) means. Over-long URLs and line terminators never match.
      try {
        return url.length <= 2048 && !/[\n\r\u2028\u2029]/.test(url) && new RegExp(v).test(url);
      } catch (e) {
        return false;
      }
  }
  return false;
}

/** desktop ≥ 1024 px, tablet 768–1023, mobile < 768 (the spec's widths). */
export const deviceOf = (width: number): string => (width >= 1024 ? "desktop" : width >= 768 ? "tablet" : "mobile");

const num = (x: unknown) => typeof x == "number" && isFinite(x);
/** JSON-typed equality: numbers with numbers, text with text, booleans with booleans. */
const same = (a: unknown, b: unknown) =>
  (typeof a == "string" || typeof a == "boolean" || num(a)) && typeof a == typeof b && a === b;

function holds(c: Condition, attrs: Attrs): boolean {
  const a = attrs[c.name];
  const v = c.value;
  switch (c.op) {
    case "exists":
      return (a != null) === (v !== false);
    case "equals":
      return same(a, v);
    case "not_equals":
      return !same(a, v);
    case "in":
      return Array.isArray(v) && (Array.isArray(a) ? a : [a]).some((x) => v.some((o) => same(x, o)));
    case "contains":
      return typeof a == "string"
        ? typeof v == "string" && a.indexOf(v) >= 0
        : Array.isArray(a) && a.some((x) => same(x, v));
    case "greater":
      return num(a) && num(v) && (a as number) > (v as number);
    case "less":
      return num(a) && num(v) && (a as number) < (v as number);
  }
  return false;
}

export function targeted(
  t: Targeting | null | undefined,
  url: string,
  device: string | undefined, // unknown device: never filtered out
  country: string | undefined,
  attrs: Attrs,
): boolean {
  if (!t) return true;
  const rules = t.url_rules || [];
  if (rules.length && !rules.some((r) => urlMatches(r, url))) return false;
  if (device && t.device && t.device != "all" && t.device != device) return false;
  const countries = t.countries || [];
  const g = (country || "").trim().toUpperCase();
  if (countries.length && g && !/^(XX|ZZ|T1|A1|A2|O1)$/.test(g) && countries.indexOf(g) < 0) return false;
  return (t.attributes || []).every((c) => holds(c, attrs));
}

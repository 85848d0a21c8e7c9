// The compiled project config, as built by segmently/experiments/compiler.py.
export interface Change {
  type: "hide" | "remove" | "text" | "html" | "attribute" | "css" | "js";
  selector?: string | null;
  value?: string | null;
  attribute?: string | null;
}
export interface Variant {
  id: string;
  key: string;
  name: string;
  weight: number;
  changes: Change[];
}
export interface Rule {
  type: string;
  value: string;
}
export interface Condition {
  name: string;
  op: string;
  value: unknown;
}
export interface Targeting {
  url_rules?: Rule[];
  device?: string;
  countries?: string[];
  attributes?: Condition[];
}
export interface Goal {
  id: string;
  name: string;
  kind: string;
  selector?: string | null;
  url?: string | null;
  event?: string | null;
  primary?: boolean;
}
export interface Experiment {
  id: string;
  slug: string;
  name: string;
  seed: string;
  status: string;
  traffic: number;
  delay: number;
  variants: Variant[];
  targeting?: Targeting | null;
  goals?: Goal[];
  domains?: string[];
  ga4?: string | null;
  mixpanel?: boolean;
}
export interface Config {
  project: string;
  badge: boolean;
  cookie: boolean;
  experiments: Experiment[];
  version?: number;
}
export type Attrs = Record<string, unknown>;

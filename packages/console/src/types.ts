/**
 * The parts of the API's answers the console reads. The coordinator's zod schemas
 * (packages/coordinator/src/http/schemas.ts) are the source; fields a newer coordinator
 * adds (summary, series) are optional here so an older one still works.
 */
export type HostState = 'online' | 'suspect' | 'silent' | 'left';

export interface ServiceSummary {
  name: string;
  manager?: string;
  /** From the host list's summary: running, inactive, failed or unknown. */
  state?: string;
  recovering?: boolean;
  exhausted?: boolean;
  checks?: { name: string; status: 'passing' | 'failing' | 'pending'; detail?: string }[];
}

export interface HostSummary {
  id: string;
  state: HostState;
  stateSince: string;
  lastSeen: string | null;
  connected: boolean;
  hostname: string;
  labels: Record<string, string>;
  services: ServiceSummary[];
  summary?: {
    services?: ServiceSummary[];
    openIncidents?: { id: string; class: string; level: number; state: string }[];
    predictions?: { rule: string }[];
  };
}

export interface Prediction {
  id: string;
  rule: string;
  metric: string;
  instance: string | null;
  state: string;
  summary: string;
  preventiveAction: string;
  predictedFailureAt: string | null;
  confidence: number;
  trend: { slopePerHour: number; intercept: number; at: string; unit: string; threshold: number; crossesAt: string | null };
  evidence: { from: string; to: string; points: number };
}

export interface HostDetail extends HostSummary {
  os: { distro: string; release: string; kernel: string; arch: string } | null;
  latestSample: Sample | null;
  sampleAt: string | null;
  history: { from: string | null; to: string; reason: string; at: string }[];
  serviceStatus: unknown[];
  incidents: { id: string; class: string; service: string | null; level: number; state: string }[];
  predictions: { active: Prediction[]; recent: Prediction[] };
}

/** A resource sample as JSON; both spellings occur depending on how it was decoded. */
export interface Sample {
  takenAtMs?: number | string;
  cpu?: { usagePercent?: number; usage_percent?: number; load1?: number };
  memory?: { totalBytes?: number | string; total_bytes?: number | string; usedBytes?: number | string; used_bytes?: number | string };
  filesystems?: { mount?: string; sizeBytes?: number | string; size_bytes?: number | string; usedBytes?: number | string; used_bytes?: number | string }[];
}

/** GET /v1/hosts/:id/series: one stored series (one-minute buckets), downsampled. */
export interface Series {
  metric: string;
  service: string | null;
  unit: string;
  points: [number, number][];
  prediction?: { id: string; rule: string; summary: string; threshold: number; fitted: [number, number][]; failureAt?: number };
  /** Every series the host has, for the charts to ask for. */
  available: { metric: string; service: string | null; unit: string }[];
}

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export interface RootCause {
  cause: string;
  diagnosis: string;
  fix: string;
  prevention: string;
  excerpt?: string;
  source?: string;
  service?: string;
}

export interface Incident {
  id: string;
  hostId: string;
  service: string | null;
  class: string;
  state: IncidentState;
  level: number;
  confidence: number;
  summary: string;
  rootCause: RootCause | null;
  openedAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  nextEscalationAt: string | null;
  parentId: string | null;
  flapping: boolean;
  silenced: boolean;
}

export interface PathStep {
  node: string;
  description: string;
  finding: string;
  result: string;
  next: string;
}

export interface ProbeResult {
  ok: boolean;
  durationMs?: number;
  error?: string;
  lossPercent?: number;
  rttAvgMs?: number;
  banner?: string;
  addresses?: string[];
  refused?: string;
}

export interface Vantage {
  vantage: string;
  kind: string;
  healthy: boolean;
  error?: string;
  ping?: ProbeResult;
  ssh?: ProbeResult;
  dns?: ProbeResult;
  ports?: Record<string, ProbeResult>;
}

/** An incident's diagnosis as stored: the walk at the top (`path`), or under `verdict` as /diagnose answers. */
export interface Diagnosis {
  at?: string;
  reason?: string;
  path?: PathStep[];
  next?: string;
  vantages?: Vantage[];
  facts?: Record<string, unknown>;
  findings?: string[];
  verdict?: { outcome: { class: string; confidence: number; next: string }; path: PathStep[] };
  notes?: string[];
}

export interface IncidentDetail extends Incident {
  diagnosis: Diagnosis | null;
  timeline: { at: string; kind: string; summary: string; data: unknown }[];
}

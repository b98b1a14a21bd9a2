/** The parts of the API's answers the tables show (the full shapes: the coordinator's schemas.ts). */

export interface HostSummary {
  id: string;
  state: string;
  stateSince: string;
  lastSeen: string | null;
  connected: boolean;
  hostname: string;
  agentVersion: string;
  labels: Record<string, string>;
  ssh?: { port: number | null; from: string };
  services: { name: string; manager: string; recoveryEnabled: boolean; ports: number[] }[];
  /** In lists (coordinators with the fleet summary): live service states, open incidents, predictions. */
  summary?: {
    services: { name: string; state: string; exhausted: boolean; recovering: boolean }[];
    openIncidents: { id: string; class: string; level: number; state: string }[];
    predictions: { rule: string; summary: string }[];
  };
}

export interface HostDetail extends HostSummary {
  firstSeen: string;
  os: { distro: string; release: string; kernel: string; arch: string } | null;
  phi: number | null;
  history: { from: string | null; to: string; reason: string; at: string }[];
  serviceStatus: { name: string; state: string; pids?: number[]; budgetUsed?: number; exhausted?: boolean }[];
  incidents: { id: string; class: string; service: string | null; level: number; state: string }[];
  predictions: { active: Prediction[]; recent: Prediction[] };
}

export interface Prediction {
  id: string;
  rule: string;
  hostId: string;
  service: string | null;
  metric: string;
  state: string;
  summary?: string;
  predictedFailureAt?: string | null;
  action?: string | null;
  [k: string]: unknown;
}

export interface IncidentView {
  id: string;
  hostId: string;
  service: string | null;
  class: string;
  state: string;
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

export interface RootCause {
  cause: string;
  diagnosis: string;
  fix: string;
  prevention: string;
  excerpt: string;
  source: string;
  service: string;
}

export interface ProbeResult {
  kind: string;
  target: string;
  ok: boolean;
  durationMs: number;
  error: string;
  refused?: string;
  lossPercent?: number;
  rttAvgMs?: number;
  banner?: string;
}

export interface VantageReport {
  vantage: string;
  kind: 'coordinator' | 'peer';
  healthy: boolean;
  error?: string;
  ping?: ProbeResult;
  ssh?: ProbeResult;
  dns?: ProbeResult;
  ports?: Record<string, ProbeResult>;
}

export interface PathStep {
  node: string;
  finding: string;
  result: string;
  next: string;
}

export interface Diagnosis {
  hostId: string;
  at: string;
  durationMs: number;
  target: { address: string | null; name: string | null; sshPort: number | null; sshPortFrom: string; servicePorts: { service: string; port: number }[] };
  vantages: VantageReport[];
  facts: Record<string, unknown>;
  findings: string[];
  verdict: { outcome: { class: string; confidence: number; next?: string }; path: PathStep[] };
  services?: { service: string; verdict: { outcome: { class: string; confidence: number } } }[];
  notes: string[];
}

export interface Silence {
  id: string;
  host: string | null;
  service: string | null;
  class: string | null;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  createdAt: string;
}

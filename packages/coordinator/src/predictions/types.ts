/**
 * The series the prediction rules read. Percentages are 0-100 of the host's total (memory,
 * a filesystem's size, its inodes); the error rate is a fraction 0-1, as agents report it.
 */
export type MetricName = 'response_time_ms' | 'memory_percent' | 'error_rate' | 'disk_percent' | 'inode_percent';

export const METRIC_NAMES: readonly MetricName[] = ['response_time_ms', 'memory_percent', 'error_rate', 'disk_percent', 'inode_percent'];

export const METRIC_UNITS: Readonly<Record<MetricName, string>> = {
  response_time_ms: 'ms',
  memory_percent: '%',
  error_rate: 'ratio',
  disk_percent: '%',
  inode_percent: '%',
};

/**
 * Identifies one series. `service` is '' for host-wide series (host memory, filesystems);
 * `instance` is '' unless a service or host has several of a metric (a mount point, a check).
 */
export interface SeriesKey {
  hostId: string;
  service: string;
  metric: MetricName;
  instance: string;
}

/** One downsampled bucket: `t` is the bucket's start in ms. */
export interface Bucket {
  t: number;
  min: number;
  mean: number;
  max: number;
  count: number;
}

/** A straight line fitted to the evidence, in the metric's unit. */
export interface Trend {
  /** Change of the fitted line per hour. */
  slopePerHour: number;
  /** Value of the fitted line at `at` (the end of the evidence window). */
  intercept: number;
  at: number;
  /** Kendall's tau between time and value: 1 = every pair of points rises, 0 = no order. */
  fit: number;
  unit: string;
  /** Which per-bucket value was fitted: the mean, or the floor (rolling minimum, e.g. after GC). */
  signal: 'mean' | 'floor';
  /** The level at which the metric counts as failed. */
  threshold: number;
  /** When the fitted line reaches `threshold`; null when it never does (flat or falling). */
  crossesAt: number | null;
}

/** Which data a verdict rests on. */
export interface Evidence {
  from: number;
  to: number;
  /** Buckets with data in [from, to). */
  points: number;
  /** Share of the window's buckets that have data, 0-1. */
  coverage: number;
}

export type PredictionState = 'active' | 'expired' | 'came_true';

export const PREDICTION_STATES: readonly PredictionState[] = ['active', 'expired', 'came_true'];

/** What the predictor keeps and shows for one prediction (times in ms since the epoch). */
export interface Prediction {
  id: string;
  rule: string;
  hostId: string;
  service: string;
  metric: MetricName;
  instance: string;
  state: PredictionState;
  raisedAt: number;
  /** Last evaluation that confirmed or changed the prediction. */
  updatedAt: number;
  expiredAt: number | null;
  expiryReason: string | null;
  cameTrueAt: number | null;
  incidentId: string | null;
  trend: Trend;
  evidence: Evidence;
  predictedFailureAt: number | null;
  /** The runbook's horizon for this rule, in ms. */
  horizonMs: number;
  confidence: number;
  /** The runbook's prediction text, e.g. "possible memory leak; failure expected within 6 hours". */
  prediction: string;
  preventiveAction: string;
  summary: string;
  /** Figures the verdict was built from (half-window slopes, rise ratio, level ...). */
  details: Record<string, number>;
}

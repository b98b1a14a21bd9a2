import { z } from 'zod';
import { RULE_NAMES } from './rules/index.js';
import { METRIC_NAMES, PREDICTION_STATES } from './types.js';

/** Query of GET /v1/predictions; unknown parameters are refused, like the other lists. */
export const predictionQuery = z
  .object({
    host: z.string().min(1).max(253).optional(),
    rule: z.enum(RULE_NAMES as [string, ...string[]]).optional(),
    state: z.enum(PREDICTION_STATES as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** A prediction as the API returns it (see views.ts); for tests and /openapi.json. */
export const predictionOut = z.object({
  id: z.string(),
  rule: z.enum(RULE_NAMES as [string, ...string[]]),
  hostId: z.string(),
  service: z.string().nullable(),
  metric: z.enum(METRIC_NAMES as [string, ...string[]]),
  instance: z.string().nullable().describe('mount point or check name'),
  state: z.enum(PREDICTION_STATES as [string, ...string[]]),
  summary: z.string(),
  prediction: z.string().describe("the runbook's prediction"),
  preventiveAction: z.string().describe("the runbook's preventive action"),
  predictedFailureAt: z.string().nullable(),
  horizonMs: z.number(),
  confidence: z.number().min(0).max(1),
  trend: z.object({
    slopePerHour: z.number(),
    intercept: z.number().describe('fitted value at `at`'),
    at: z.string(),
    fit: z.number().describe("Kendall's tau of the evidence"),
    unit: z.string(),
    signal: z.enum(['mean', 'floor']),
    threshold: z.number(),
    crossesAt: z.string().nullable(),
  }),
  evidence: z.object({ from: z.string(), to: z.string(), points: z.number().int(), coverage: z.number().min(0).max(1) }),
  details: z.record(z.string(), z.number()),
  raisedAt: z.string(),
  updatedAt: z.string(),
  expiredAt: z.string().nullable(),
  expiryReason: z.string().nullable(),
  cameTrueAt: z.string().nullable(),
  incidentId: z.string().nullable(),
});

export const predictionList = z.object({ predictions: z.array(predictionOut) });

/** What GET /v1/hosts/:id gains under `predictions`. */
export const hostPredictions = z.object({ active: z.array(predictionOut), recent: z.array(predictionOut) });

import { describe, expect, it } from 'vitest';
import { fittedLine, metricOfPrediction, sampleValues } from './samples.js';
import type { Prediction } from './types.js';

describe('console samples', () => {
  it('samples - cpu, memory and each filesystem in percent, from either JSON spelling', () => {
    expect(sampleValues({ cpu: { usagePercent: 12.5 }, memory: { totalBytes: '1000', usedBytes: '250' }, filesystems: [{ mount: '/', sizeBytes: 200, usedBytes: 50 }] })).toEqual({ cpu: 12.5, memory: 25, 'disk:/': 25 });
    expect(sampleValues({ cpu: { usage_percent: 3 }, memory: { total_bytes: 10, used_bytes: 5 } })).toEqual({ cpu: 3, memory: 50 });
  });

  it('samples - a prediction draws its line from the evidence start to the predicted crossing', () => {
    const at = Date.parse('2026-12-01T10:00:00Z');
    const p = {
      metric: 'disk_percent',
      instance: '/var',
      trend: { slopePerHour: 2, intercept: 80, at: new Date(at).toISOString(), unit: '%', threshold: 90, crossesAt: new Date(at + 5 * 3_600_000).toISOString() },
      evidence: { from: new Date(at - 3_600_000).toISOString(), to: new Date(at).toISOString(), points: 60 },
      predictedFailureAt: new Date(at + 5 * 3_600_000).toISOString(),
    } as unknown as Prediction;
    expect(metricOfPrediction(p)).toBe('disk:/var');
    expect(fittedLine(p, at)).toEqual([
      [at - 3_600_000, 78],
      [at, 80],
      [at + 5 * 3_600_000, 90],
    ]);
  });
});

import type { ResourceSample__Output } from '@vigil/shared';

/** A full resource sample as the proto describes it, every field present. */
export type Sample = ResourceSample__Output;
export type CpuSample = NonNullable<Sample['cpu']>;
export type MemorySample = NonNullable<Sample['memory']>;
export type FilesystemSample = Sample['filesystems'][number];
export type NetworkSample = Sample['network'][number];

/** The part of a sample one collector fills in; the runner merges the parts. */
export type SamplePart = Partial<Omit<Sample, 'takenAtMs'>>;

/** Outcome of one collector in one round, shaped like the proto's CollectorStatus. */
export interface CollectorStatus {
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Empty when `ok`. */
  readonly error: string;
}

/**
 * One source of resource figures. `collect` may keep state between calls (counters for
 * rates); it should only read files or make syscalls, never spawn processes, because it
 * runs once per heartbeat interval.
 */
export interface Collector {
  readonly name: string;
  collect(): Promise<SamplePart>;
}

/** What a collector may know when it is built. */
export interface CollectorSettings {
  /** The runner's budget for one call; a collector with its own inner timeouts stays below it. */
  readonly timeoutMs: number;
}

/** A table entry: collectors are built per agent because they hold per-process state. */
export interface CollectorFactory {
  readonly name: string;
  create(settings: CollectorSettings): Collector;
}

/** Milliseconds on a monotonic clock; only differences between readings mean anything. */
export type MonotonicMs = () => number;

export const monotonicMs: MonotonicMs = () => performance.now();

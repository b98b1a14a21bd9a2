// Original file: proto/vigil/v1/services.proto

import type { Long } from '@grpc/proto-loader';

export interface LogFinding {
  /**
   * memory_exhaustion | disk_space_full | configuration_error | a cause from config
   */
  'cause'?: (string);
  'service'?: (string);
  /**
   * A file path, "journal" or "stdout"
   */
  'source'?: (string);
  /**
   * At most 512 bytes of the matching line.
   */
  'excerpt'?: (string);
  'count'?: (number | string | Long);
  'firstSeenMs'?: (number | string | Long);
  'lastSeenMs'?: (number | string | Long);
  /**
   * Lines not scanned because the source exceeded its per-second budget.
   */
  'skippedLines'?: (number | string | Long);
  /**
   * The agent's root-cause table row for this cause (runbook section 5 or its config),
   * so causes added in an agent's config arrive explained.
   */
  'diagnosis'?: (string);
  'fix'?: (string);
  'prevention'?: (string);
}

export interface LogFinding__Output {
  /**
   * memory_exhaustion | disk_space_full | configuration_error | a cause from config
   */
  'cause': (string);
  'service': (string);
  /**
   * A file path, "journal" or "stdout"
   */
  'source': (string);
  /**
   * At most 512 bytes of the matching line.
   */
  'excerpt': (string);
  'count': (number);
  'firstSeenMs': (number);
  'lastSeenMs': (number);
  /**
   * Lines not scanned because the source exceeded its per-second budget.
   */
  'skippedLines': (number);
  /**
   * The agent's root-cause table row for this cause (runbook section 5 or its config),
   * so causes added in an agent's config arrive explained.
   */
  'diagnosis': (string);
  'fix': (string);
  'prevention': (string);
}

// The bucket is shared with the probe runner; one implementation lives in @vigil/shared.
export { TokenBucket } from '@vigil/shared';

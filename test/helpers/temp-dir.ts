export * from '@vigil/testkit/temp-dir';

export * from '@vigil/testkit/free-port';

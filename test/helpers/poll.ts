export * from '@vigil/testkit/poll';

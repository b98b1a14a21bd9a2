export * from '@vigil/testkit/processes';

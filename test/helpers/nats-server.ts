export * from '@vigil/testkit/nats-server';

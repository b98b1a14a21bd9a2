export * from '@vigil/testkit/coordinator';

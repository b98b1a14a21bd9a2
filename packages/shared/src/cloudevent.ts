import { randomUUID } from 'node:crypto';

/** A CloudEvents 1.0 event in structured JSON mode. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: T;
}

export function makeCloudEvent<T>(args: { source: string; type: string; subject: string; data: T; time: Date; id?: string }): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: args.id ?? randomUUID(),
    source: args.source,
    type: args.type,
    time: args.time.toISOString(),
    subject: args.subject,
    datacontenttype: 'application/json',
    data: args.data,
  };
}

// Types for the two systeminformation modules imported directly (see systeminformation.ts);
// the package ships types for its index only.
declare module 'systeminformation/lib/memory.js' {
  import type { Systeminformation } from 'systeminformation';
  const memory: { mem(): Promise<Systeminformation.MemData> };
  export default memory;
}
declare module 'systeminformation/lib/osinfo.js' {
  import type { Systeminformation } from 'systeminformation';
  const osinfo: { osInfo(): Promise<Systeminformation.OsData> };
  export default osinfo;
}

// Regenerates the TypeScript types of the gRPC contract from proto/. The generated
// files are committed; CI regenerates them and fails if git is not clean afterwards.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = 'packages/shared/src/generated';
rmSync(`${root}/${out}`, { recursive: true, force: true });
execFileSync(
  'pnpm',
  [
    'exec', 'proto-loader-gen-types',
    '--longs=Number', '--enums=String', '--defaults', '--oneofs',
    '--grpcLib=@grpc/grpc-js', `--outDir=${out}`, '--includeDirs=proto', '--importFileExtension=.js', '--includeComments',
    'vigil/v1/agent.proto',
  ],
  { cwd: root, stdio: 'inherit' },
);

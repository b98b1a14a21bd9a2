#!/usr/bin/env node
// The packaged launcher (and the test kit) start this with the Node flags in
// ../node-flags.json; `node $(cat node-flags.json | jq -r '.[]') bin/vigil-coordinator.js`
// runs it the same way from the source tree.
import { main } from '../dist/main.js';
main(process.argv.slice(2));

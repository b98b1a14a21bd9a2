import type { Command } from '../command.js';
import { ackCommand, reopenCommand, resolveCommand } from './incident-action.js';
import { completeIdsCommand, completionCommand } from './completion.js';
import { configCommand } from './config.js';
import { diagnoseCommand } from './diagnose.js';
import { hostCommand } from './host.js';
import { hostsCommand } from './hosts.js';
import { incidentCommand } from './incident.js';
import { incidentsCommand } from './incidents.js';
import { predictionsCommand } from './predictions.js';
import { seriesCommand } from './series.js';
import { hostRemoveCommand, serviceResetBudgetCommand, serviceRestartCommand } from './service-action.js';
import { silenceAddCommand, silenceListCommand, silenceRmCommand } from './silence.js';
import { statusCommand } from './status.js';
import { watchCommand } from './watch.js';

/** Every command, in the order `vigil --help` lists them. A new command: one file, one line here. */
const VISIBLE: Command[] = [
  hostsCommand,
  hostCommand,
  incidentsCommand,
  incidentCommand,
  ackCommand,
  resolveCommand,
  reopenCommand,
  silenceListCommand,
  silenceAddCommand,
  silenceRmCommand,
  diagnoseCommand,
  predictionsCommand,
  seriesCommand,
  watchCommand,
  serviceRestartCommand,
  serviceResetBudgetCommand,
  hostRemoveCommand,
  statusCommand,
  configCommand,
];

const completion = completionCommand(() => VISIBLE);

/** What main dispatches on; `__complete` is left out of help and completion. */
export const COMMANDS: readonly Command[] = [...VISIBLE, completion, completeIdsCommand];
/** What help lists. */
export const LISTED: readonly Command[] = [...VISIBLE, completion];

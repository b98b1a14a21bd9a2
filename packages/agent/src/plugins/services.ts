import { join } from 'node:path';
import { compileLogPatterns, systemClock, type Clock, type LogMatcher, type TimerHandle } from '@vigil/shared';
import type { AgentConfig } from '../config.js';
import { EventJournal, type JournaledEvent } from '../events/event-journal.js';
import { LogWatcher } from '../logs/log-watcher.js';
import { hasErrorPattern } from '../logs/scan.js';
import type { AgentContext, AgentPlugin } from '../plugin.js';
import type { RecoveryEvent } from '../recovery/events.js';
import { budgetFile } from '../recovery/budget-store.js';
import { logRecoveryEvent } from '../recovery/log.js';
import { ServiceWatcher } from '../recovery/watcher.js';
import { processRecordFile } from '../services/process-record.js';
import { createManager, type ManagerDeps } from '../services/managers.js';
import type { ServiceManager } from '../services/manager.js';
import type { ServiceSpec } from '../services/schema.js';
import { serviceMemory } from './service-memory.js';
import { withOomFindings } from './service-oom.js';
import { findingToWire, serviceStatusToWire } from './service-status.js';

interface Watched {
  spec: ServiceSpec;
  manager: ServiceManager;
  watcher: ServiceWatcher;
  logs: LogWatcher;
  /** Sampled on the agent's interval, off the heartbeat path (it reads /proc). */
  memory: { bytes: number; percent: number };
}

export interface ServicesPluginOptions {
  clock?: Clock;
  managerDeps?: ManagerDeps;
  /** Where unexpected errors of watchers go. */
  onError?: (err: unknown, where: string) => void;
}

/**
 * The host side of the runbook: watches every declared service, recovers it locally
 * (with or without a coordinator), follows its logs for root causes and its access log
 * for the error rate, and reports all of it. Every recovery event is journaled on disk
 * with its own sequence number before it is sent, and replayed after a reconnect from
 * what the coordinator says it already has, so each event arrives once.
 */
export function servicesPlugin(config: AgentConfig, options: ServicesPluginOptions = {}): AgentPlugin {
  const clock = options.clock ?? systemClock;
  const watched = new Map<string, Watched>();
  let journal: EventJournal | undefined;
  let ctx: AgentContext | undefined;
  let matcher: LogMatcher | undefined;
  /** Highest event sequence number handed to the current stream; replay resumes after it. */
  let sentThrough = 0;
  let connected = false;
  let memoryTimer: TimerHandle | undefined;

  const flush = (): void => {
    if (!journal || !ctx || !connected) return;
    for (const e of journal.pendingAfter(sentThrough)) {
      if (!ctx.send({ event: e })) return; // backed up: onDrain resumes here
      sentThrough = e.eventSeq;
    }
  };

  const causeOf = (service: string): string => {
    const w = watched.get(service);
    const latest = w?.logs.findings().sort((a, b) => b.lastSeenMs - a.lastSeenMs)[0];
    return latest?.cause ?? '';
  };

  const record = (e: RecoveryEvent): JournaledEvent | undefined => {
    if (!journal) return undefined;
    const failed = e.type === 'recovery_failed' || e.type === 'recovery_exhausted' || e.type === 'step_failed';
    const ev = journal.append({
      atMs: e.at,
      service: e.service,
      type: e.type,
      step: 'step' in e ? e.step : '',
      detail: e.detail,
      cause: failed ? causeOf(e.service) : '',
      requestId: e.requestId ?? '',
      ...(e.type === 'recovery_succeeded' ? { timeToServingMs: e.timeToServingMs, timeToVerifiedMs: e.timeToVerifiedMs } : {}),
    });
    flush();
    return ev;
  };

  return {
    name: 'services',

    async start(c) {
      ctx = c;
      // The journal logs its own trouble (damaged lines, a full disk) and never throws on a write.
      journal = new EventJournal(join(config.dataDir, 'events'), { log: c.logger, clock });
      matcher = compileLogPatterns(config.logPatterns);
      for (const spec of config.services) {
        // What must outlive the agent (the running group, the budget) is kept per service in the data dir.
        const stateDir = join(config.dataDir, 'services');
        const deps: ManagerDeps = {
          ...options.managerDeps,
          process: {
            ...options.managerDeps?.process,
            record: processRecordFile(join(stateDir, `${spec.name}.process.json`)),
            // The record's path: one per agent data dir and service.
            instanceTag: join(stateDir, spec.name),
            // A file, not pipes: the service's output must not end with the agent (see output-file.ts).
            outputFiles: { stdout: join(stateDir, `${spec.name}.stdout`), stderr: join(stateDir, `${spec.name}.stderr`) },
            outputGrid: c.cadence,
          },
          ...(options.clock ? { clock: options.clock } : {}),
        };
        const logs = new LogWatcher({ service: spec.name, files: spec.logs, accessLog: spec.accessLog, matcher, clock });
        // OOM hook: an OOM kill of the service (exit, cgroup counter, kernel log) becomes a memory_exhaustion finding.
        const manager = withOomFindings(createManager(spec, deps), logs, c.logger);
        // A process service's own output is a log source too (systemd services have the journal).
        manager.onLog((line) => logs.feed(line.stream, [line.text]));
        const m = matcher;
        const watcher = new ServiceWatcher({
          service: spec,
          manager,
          intervalMs: config.intervalMs,
          clock,
          cadence: c.cadence,
          hasErrorPattern: (lines) => hasErrorPattern(lines, m),
          budgetStore: budgetFile(join(stateDir, `${spec.name}.budget.json`)),
          // Step 3 reads the last minutes of the declared log files too: a finding seen
          // since then stands for its line.
          readExtraLogs: async (sinceMs) => logs.findings().filter((f) => f.lastSeenMs >= sinceMs).map((f) => f.excerpt),
          onError: (err, where) => (options.onError ?? ((e, w) => c.logger.warn({ err: e, where: w, service: spec.name }, 'service watcher error')))(err, where),
        });
        watcher.onEvent((e) => {
          record(e);
          logRecoveryEvent(c.logger, e, watcher.budgetFigures);
        });
        watched.set(spec.name, { spec, manager, watcher, logs, memory: { bytes: 0, percent: 0 } });
      }
      for (const w of watched.values()) {
        await w.logs.start();
        await w.watcher.start();
      }
      const sampleMemory = async (): Promise<void> => {
        for (const w of watched.values()) {
          w.memory = await serviceMemory(w.watcher.snapshot().pids, w.spec.memoryLimit).catch(() => w.memory);
        }
        if (memoryTimer !== undefined || watched.size > 0) memoryTimer = clock.setTimeout(() => void sampleMemory(), c.cadence.delay(config.intervalMs));
      };
      if (watched.size > 0) await sampleMemory();
    },

    async stop() {
      connected = false;
      if (memoryTimer !== undefined) clock.clearTimeout(memoryTimer);
      memoryTimer = undefined;
      // A graceful stop is usually a restart or an upgrade: process services run on for the
      // next agent to adopt (stopWithAgent: true stops them, by process group).
      for (const w of watched.values()) {
        await w.watcher.stop();
        await w.logs.stop();
        // Any manager kind whose declaration has `stopWithAgent` honours it, not only process.
        const stop = 'stopWithAgent' in w.spec && w.spec.stopWithAgent === true;
        await (!stop && w.manager.release ? w.manager.release() : w.manager.close());
      }
      watched.clear();
      // After the watchers: their last events may still have set a retry.
      journal?.close();
    },

    hello: () => ({
      services: config.services.map((s) => ({ name: s.name, manager: s.manager, recoveryEnabled: s.recovery.enabled, ports: [...s.ports] })),
      capabilities: ['services', 'events', 'recover', 'service_actions'],
      ...(journal ? { eventEpoch: journal.epoch } : {}),
    }),

    heartbeat() {
      const services = [];
      const findings = [];
      for (const w of watched.values()) {
        const report = w.logs.report();
        const log = { scanned: 0, skipped: 0 };
        for (const src of report.sources) {
          log.scanned += src.linesScanned;
          log.skipped += src.skippedLines;
        }
        const status = serviceStatusToWire(w.watcher.snapshot(), report.errorRate, log, w.memory);
        if (status) services.push(status);
        findings.push(...report.findings.map(findingToWire));
      }
      return { services, findings };
    },

    onConnected(welcome) {
      connected = true;
      // Whatever the coordinator stored in this journal's epoch is done with; everything
      // after it goes again (a new epoch is answered with 0: everything).
      journal?.welcome(welcome.lastEventSeq);
      sentThrough = welcome.lastEventSeq;
      flush();
    },

    onDisconnected() {
      connected = false;
    },

    onDrain() {
      flush();
    },

    requests: {
      eventAck(ack) {
        journal?.ack(ack.eventSeq);
      },
      recover(req, c) {
        const w = watched.get(req.service);
        const answer = (accepted: boolean, error: string, refusal = '') => c.send({ requestResult: { requestId: req.requestId, accepted, error, refusal, detail: '' } });
        if (!w) return void answer(false, `service "${req.service}" is not declared in this agent's config`, 'not_declared');
        const r = w.watcher.requestRecovery(req.reason || `requested by the coordinator (${req.requestId})`, req.requestId);
        if (!r.accepted) return void answer(false, `${r.reason}: ${r.message}`, r.reason);
        answer(true, '');
        void r.outcome.then(
          (o) => c.logger.info({ service: req.service, request: req.requestId, ok: o.ok, step: o.step }, 'requested recovery finished'),
          (err: unknown) => c.logger.warn({ err, service: req.service }, 'requested recovery failed'),
        );
      },
      serviceAction(req, c) {
        const answer = (r: { accepted: boolean; error?: string; refusal?: string; detail?: string }) =>
          c.send({ requestResult: { requestId: req.requestId, accepted: r.accepted, error: r.error ?? '', refusal: r.refusal ?? '', detail: r.detail ?? '' } });
        const w = watched.get(req.service);
        const who = `${req.requestedBy || 'an operator'} through the coordinator, request ${req.requestId}${req.reason ? `: ${req.reason}` : ''}`;
        const log = { service: req.service, action: req.action, requestId: req.requestId, requestedBy: req.requestedBy };
        if (!w) {
          c.logger.warn(log, 'operator action refused: service not declared');
          return void answer({ accepted: false, refusal: 'not_declared', error: `service "${req.service}" is not declared in this agent's config` });
        }
        switch (req.action) {
          case 'restart': {
            const r = w.watcher.requestRestart(`restart requested by ${who}`, req.requestId);
            if (!r.accepted) {
              c.logger.warn({ ...log, refusal: r.reason }, `operator restart refused: ${r.message}`);
              return void answer({ accepted: false, refusal: r.reason, error: r.message });
            }
            c.logger.info(log, 'operator restart accepted');
            answer({ accepted: true, detail: `restarting ${req.service} (outside the restart budget)` });
            void r.outcome.then(
              (o) => c.logger[o.ok ? 'info' : 'warn']({ ...log, ok: o.ok, step: o.step, detail: o.detail }, 'operator restart finished'),
              (err: unknown) => c.logger.warn({ ...log, err }, 'operator restart failed'),
            );
            return;
          }
          case 'reset_budget': {
            const r = w.watcher.resetBudget(`requested by ${who}`, req.requestId);
            if (!r.accepted) return void answer({ accepted: false, refusal: r.reason, error: r.message });
            c.logger.info({ ...log, budgetUsedBefore: r.used }, 'operator reset the restart budget');
            return void answer({ accepted: true, detail: `${r.used} used recoveries given back` });
          }
          default:
            return void answer({ accepted: false, refusal: 'unknown_action', error: `action must be restart or reset_budget (got ${JSON.stringify(req.action)})` });
        }
      },
    },
  };
}

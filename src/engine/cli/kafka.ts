/**
 * `sluice kafka topics|groups|lag <group>|reset-offsets <group>`.
 *
 * CONTRACT (docs/CONTRACTS.md): `sluice kafka lag <group> --brokers H:P --json` prints
 * `{"group", "status": "OK|WARN|ERR", "partitions": [{"topic", "partition", "committed",
 * "logEnd", "lag", "status"}]}` (more fields around them). Exit 0 done, 1 a Kafka error,
 * 2 invalid input.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { KafkaClient } from '../connectors/kafka/client.js';
import { parseBrokers, type KafkaConnectionConfig, type SaslMechanism } from '../connectors/kafka/config.js';
import { KafkaError } from '../connectors/kafka/errors.js';
import { DEFAULT_BURROW_OPTIONS } from '../kafka/burrow.js';
import { ClusterExplorer } from '../kafka/explorer.js';
import { LagStore } from '../kafka/lag-store.js';
import { parseResetTarget } from '../kafka/reset.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './exit-codes.js';

interface CommonOpts {
  brokers: string;
  json?: boolean;
  clientId?: string;
  ssl?: boolean;
  saslMechanism?: string;
  saslUsername?: string;
  timeout: string;
}

function connection(o: CommonOpts): KafkaConnectionConfig {
  const timeout = Number(o.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new KafkaError('invalid', `--timeout ${o.timeout}: expected milliseconds`);
  let sasl: KafkaConnectionConfig['sasl'] = null;
  if (o.saslMechanism !== undefined) {
    const mechanism = o.saslMechanism.toLowerCase();
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) throw new KafkaError('invalid', `--sasl-mechanism ${o.saslMechanism}: expected plain, scram-sha-256 or scram-sha-512`);
    const password = process.env['SLUICE_KAFKA_PASSWORD'];
    if (o.saslUsername === undefined || password === undefined) throw new KafkaError('invalid', 'SASL needs --sasl-username and the password in $SLUICE_KAFKA_PASSWORD');
    sasl = { mechanism: mechanism as SaslMechanism, username: o.saslUsername, password };
  }
  return {
    brokers: parseBrokers(o.brokers),
    clientId: o.clientId ?? 'sluice-cli',
    ssl: o.ssl === true,
    sasl,
    requestTimeoutMs: timeout,
    connectionTimeoutMs: Math.min(3_000, timeout),
    retries: 1,
  };
}

function defaultStore(): string {
  return path.join(process.env['SLUICE_HOME'] ?? path.join(os.homedir(), '.sluice'), 'kafka-lag.db');
}

async function withExplorer(o: CommonOpts, fn: (e: ClusterExplorer) => Promise<void>): Promise<number> {
  let explorer: ClusterExplorer | null = null;
  try {
    const cfg = connection(o);
    explorer = new ClusterExplorer(cfg.brokers.join(','), new KafkaClient(cfg));
    await fn(explorer);
    return EXIT_OK;
  } catch (e) {
    const invalid = e instanceof KafkaError && e.kind === 'invalid';
    process.stderr.write(`sluice kafka: ${e instanceof Error ? e.message : String(e)}\n`);
    return invalid ? EXIT_INVALID : EXIT_FAILED;
  } finally {
    await explorer?.close();
  }
}

const print = (json: boolean | undefined, value: unknown, text: () => string): void => {
  process.stdout.write(json === true ? `${JSON.stringify(value)}\n` : `${text()}\n`);
};

function table(rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--brokers <host:port,...>', 'bootstrap servers')
    .option('--json', 'machine-readable output')
    .option('--client-id <id>', 'Kafka client id')
    .option('--ssl', 'TLS with the system CAs')
    .option('--sasl-mechanism <m>', 'plain | scram-sha-256 | scram-sha-512 (password from $SLUICE_KAFKA_PASSWORD)')
    .option('--sasl-username <user>', 'SASL user')
    .option('--timeout <ms>', 'per request', '10000');
}

/** Adds the kafka subcommands to `sluice kafka`. */
export function registerKafkaCommands(kafka: Command, setExit: (code: number) => void): void {
  common(kafka.command('topics').description('topics with partitions, leaders, replicas, ISR, offsets and message counts'))
    .option('--internal', 'include internal topics (__consumer_offsets, …)')
    .action(async (o: CommonOpts & { internal?: boolean }) => {
      setExit(
        await withExplorer(o, async (e) => {
          const topics = await e.topics({ includeInternal: o.internal === true });
          print(o.json, { topics }, () =>
            table([
              ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST', 'MESSAGES'],
              ...topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.earliest, p.latest, p.messages])),
            ]),
          );
        }),
      );
    });

  common(kafka.command('groups').description('consumer groups with state and member count'))
    .action(async (o: CommonOpts) => {
      setExit(
        await withExplorer(o, async (e) => {
          const groups = await e.groups();
          print(o.json, { groups }, () => table([['GROUP', 'STATE', 'PROTOCOL-TYPE', 'MEMBERS'], ...groups.map((g) => [g.groupId, g.state, g.protocolType, g.members])]));
        }),
      );
    });

  common(kafka.command('lag').description('lag per partition with Burrow status (samples are kept in a SQLite lag store)'))
    .argument('<group>', 'consumer group id')
    .option('--store <file>', 'lag history database (default $SLUICE_HOME/kafka-lag.db or ~/.sluice/kafka-lag.db)')
    .option('--samples <n>', 'take n samples before reporting', '1')
    .option('--interval <ms>', 'between samples', '1000')
    .option('--no-time-lag', 'skip reading record timestamps for lag in time')
    .action(async (group: string, o: CommonOpts & { store?: string; samples: string; interval: string; timeLag: boolean }) => {
      setExit(
        await withExplorer(o, async (e) => {
          const samples = Number(o.samples);
          const interval = Number(o.interval);
          if (!Number.isInteger(samples) || samples < 1) throw new KafkaError('invalid', `--samples ${o.samples}: expected a positive integer`);
          if (!Number.isFinite(interval) || interval < 0) throw new KafkaError('invalid', `--interval ${o.interval}: expected milliseconds`);
          const store = LagStore.open(o.store ?? defaultStore());
          try {
            let report = await e.lag(group, store, { burrow: DEFAULT_BURROW_OPTIONS, timeLag: o.timeLag });
            for (let i = 1; i < samples; i++) {
              await new Promise((r) => setTimeout(r, interval));
              report = await e.lag(group, store, { burrow: DEFAULT_BURROW_OPTIONS, timeLag: o.timeLag });
            }
            const json = {
              group: report.group,
              status: report.status,
              state: report.state,
              members: report.members,
              totalLag: report.totalLag,
              maxLag: report.maxLag,
              complete: report.complete,
              observedAt: report.observedAt,
              partitions: report.partitions.map((p) => ({
                topic: p.topic,
                partition: p.partition,
                committed: p.committed,
                logEnd: p.logEnd,
                lag: p.lag,
                status: p.status,
                rule: p.rule,
                reason: p.reason,
                owner: p.owner,
                timeLagMs: p.timeLagMs,
                catchUpMs: p.catchUpMs,
              })),
            };
            print(o.json, json, () =>
              [
                `group ${report.group}: ${report.status} (state ${report.state}, ${report.members} members, total lag ${report.totalLag}, max lag ${report.maxLag})`,
                table([
                  ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'TIME-LAG-MS', 'STATUS', 'WHY'],
                  ...report.partitions.map((p) => [p.topic, p.partition, p.committed, p.logEnd, p.lag, p.timeLagMs, p.status, p.reason]),
                ]),
              ].join('\n'),
            );
          } finally {
            store.close();
          }
        }),
      );
    });

  common(kafka.command('reset-offsets').description("plan (dry run, default) or apply a reset of a group's offsets"))
    .argument('<group>', 'consumer group id')
    .requiredOption('--to <target>', 'earliest | latest | timestamp:<ms|ISO> | offset:<n> | shift:<±n>')
    .option('--topic <topic>', 'topic to reset (repeatable; default: every topic the group committed)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--execute', 'apply the plan (refused while the group has active members)')
    .action(async (group: string, o: CommonOpts & { to: string; topic: string[]; execute?: boolean }) => {
      setExit(
        await withExplorer(o, async (e) => {
          const target = parseResetTarget(o.to);
          const plan = await e.planReset(group, target, o.topic.length > 0 ? o.topic : undefined);
          let applied = false;
          if (o.execute === true) {
            await e.applyReset(plan);
            applied = true;
          }
          print(o.json, { ...plan, applied }, () =>
            [
              `${applied ? 'APPLIED' : 'DRY RUN (add --execute to apply)'}: group ${group} (state ${plan.state}) → ${o.to}`,
              ...(plan.activeMembers.length > 0 ? [`group has active members, --execute will be refused: ${plan.activeMembers.join(', ')}`] : []),
              table([['TOPIC', 'PARTITION', 'FROM', 'TO', 'RE-READ', 'SKIPPED'], ...plan.rows.map((r) => [r.topic, r.partition, r.from, r.to, r.reread, r.skipped])]),
            ].join('\n'),
          );
        }),
      );
    });
}

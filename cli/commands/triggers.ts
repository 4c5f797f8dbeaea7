// `kiln triggers deliveries`: what kiln serve (or, with --namespace, a cluster's controller)
// received and what it did with each delivery.
// `kiln triggers test TRIGGER --payload FILE`: the decision for a payload, and the run it would
// start, without starting anything.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { escapeControls, UsageError } from '../../contract/index.js';
import { loadPipelineFiles, resolveRunParams } from '../../syntax/index.js';
import {
  decide,
  findTrigger,
  loadTriggersFile,
  signDelivery,
  SOURCE_RULES,
  triggeredRunId,
  type DeliveryRecord,
} from '../../triggers/index.js';
import { EXIT } from '../exit-codes.js';
import { outputFormat, render, table, withOutputOption, type OutputFlags } from '../output.js';
import { collect } from '../run-options.js';
import { ServeStore } from '../serve/serve-store.js';

interface DeliveriesFlags extends OutputFlags {
  stateDir: string;
  namespace?: string;
  trigger?: string;
  limit: string;
}

interface TestFlags {
  triggers: string;
  payload: string;
  event?: string;
  header: string[];
}

const MAX_PAYLOAD = 25 * 1024 * 1024;

function deliveriesTable(rows: DeliveryRecord[], wide: boolean): string {
  const cut = (s: string | undefined, n: number) => (s && s.length > n && !wide ? s.slice(0, n - 1) + '…' : (s ?? '-'));
  return table([
    ['RECEIVED', 'TRIGGER', 'DELIVERY', 'EVENT', 'BRANCH', 'OUTCOME', 'RUN', 'REASON'],
    ...rows
      .map((d) => [
        d.receivedAt,
        d.trigger,
        cut(d.deliveryId, 40),
        d.event || '-',
        d.branch || '-',
        d.outcome,
        d.runId ?? '-',
        cut(d.reason, 80),
      ])
      .map((r) => r.map((c) => escapeControls(c))),
  ]);
}

/** A cluster's: the TriggerDelivery objects the controller wrote in the namespace. */
async function clusterDeliveries(namespace: string, f: DeliveriesFlags, limit: number): Promise<DeliveryRecord[]> {
  const { loadKubeConfig } = await import('../kubernetes-options.js');
  const { hookKube, listDeliveries } = await import('../../controller/index.js');
  const { kc } = await loadKubeConfig();
  try {
    return await listDeliveries(hookKube(kc), namespace, { trigger: f.trigger, limit });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404)
      throw new UsageError(
        `no TriggerDelivery resource on the cluster ${kc.getCurrentCluster()?.server}`,
        'apply deploy/ (its CRD triggerdeliveries.kiln.dev) and run the controller with --hooks-listen',
      );
    if (code === 403)
      throw new UsageError(`not allowed to list triggerdeliveries in namespace ${namespace}`, 'kiln-edit grants it');
    throw err;
  }
}

async function listDeliveries(f: DeliveriesFlags): Promise<void> {
  const limit = Number(f.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit ${f.limit}: an integer from 1 to 1000`);
  const format = outputFormat(f);
  const show = (rows: DeliveryRecord[]) =>
    process.stdout.write(render(format, rows, { name: (d) => d.deliveryId, text: deliveriesTable }));
  if (f.namespace !== undefined) return void show(await clusterDeliveries(f.namespace, f, limit));
  const file = join(f.stateDir, 'triggers.db');
  if (!existsSync(file))
    throw new UsageError(
      `no deliveries recorded in ${f.stateDir}: ${file} does not exist`,
      'kiln serve keeps them there; pass --state-dir of the kiln serve',
    );
  const store = new ServeStore(file, { readonly: true });
  try {
    show(store.deliveries({ trigger: f.trigger, limit }));
  } finally {
    store.close();
  }
}

function headerFlags(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((v) => {
      const colon = v.indexOf(':');
      if (colon <= 0) throw new UsageError(`--header ${v}: not NAME: VALUE`);
      return [v.slice(0, colon).trim().toLowerCase(), v.slice(colon + 1).trim()];
    }),
  );
}

function testTrigger(name: string, f: TestFlags): number {
  const trigger = findTrigger(loadTriggersFile(f.triggers), name);
  let raw: Buffer;
  try {
    raw = readFileSync(f.payload);
  } catch (err) {
    throw new UsageError(`--payload ${f.payload}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  if (raw.length > MAX_PAYLOAD) throw new UsageError(`--payload ${f.payload}: over ${MAX_PAYLOAD} bytes`);
  const rules = SOURCE_RULES[trigger.source];
  const event = f.event ?? (trigger.source === 'gitlab' ? 'Push Hook' : 'push');
  // Signed here with a throwaway secret: the test is about what the payload does, not who sent it.
  const secret = 'kiln-triggers-test';
  const headers = {
    [rules.eventHeader]: event,
    ...headerFlags(f.header),
    ...signDelivery(trigger.source, raw, secret),
  };
  const d = decide(trigger, secret, { headers, raw });
  const out: string[] = [`trigger ${trigger.name} (${trigger.source}), pipeline ${trigger.pipeline}`];
  if (d.facts)
    out.push(
      `delivery: event ${d.facts.event || '-'}, branch ${d.facts.branch || '-'}, tag ${d.facts.tag || '-'}, commit ${d.facts.sha || '-'}, repository ${d.facts.repo || '-'}`,
    );
  if (trigger.filter) out.push(`filter: ${trigger.filter.source}`);
  if (d.outcome !== 'accepted') {
    out.push(`outcome: ${d.outcome}: ${d.reason}`, 'no run would start');
    process.stdout.write(out.map((l) => escapeControls(l) + '\n').join(''));
    return EXIT.runFailed;
  }
  out.push('outcome: accepted', 'params:');
  for (const [k, v] of Object.entries(d.params)) out.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (trigger.concurrency)
    out.push(
      `concurrency group: ${d.group}${trigger.concurrency.cancelInProgress ? ' (cancels older runs of the group)' : ''}`,
    );
  try {
    const { pipeline, run } = loadPipelineFiles([trigger.pipeline]);
    resolveRunParams(pipeline, { ...run?.params, ...d.params });
    out.push(
      `would start run ${triggeredRunId(trigger.name, d.deliveryId)} of pipeline ${pipeline.name} (nothing was started)`,
    );
  } catch (err) {
    out.push(`the run would fail before it starts: ${(err as Error).message}`);
    process.stdout.write(out.map((l) => escapeControls(l, { keepNewlines: true }) + '\n').join(''));
    return EXIT.badInput;
  }
  process.stdout.write(out.map((l) => escapeControls(l) + '\n').join(''));
  return EXIT.ok;
}

export function registerTriggers(program: Command): void {
  const triggers = program
    .command('triggers')
    .description('webhook triggers: deliveries received (kiln serve or a cluster), a payload tried');
  withOutputOption(
    triggers
      .command('deliveries')
      .description(
        'the deliveries kiln serve (or with --namespace, the cluster) received, newest first: accepted, filtered (with why) or refused',
      )
      .option('--state-dir <dir>', "kiln serve's --state-dir", '.kiln')
      .option(
        '--namespace <ns>',
        "a cluster's instead: the controller's TriggerDelivery records in this namespace (current kubeconfig context)",
      )
      .option('--trigger <name>', 'only this trigger')
      .option('--limit <n>', 'how many', '50'),
    'the deliveries',
  ).action((f: DeliveriesFlags) => listDeliveries(f));
  triggers
    .command('test')
    .description('what a payload would start: its event, branch, filter result, params and group (runs nothing)')
    .argument('<trigger>', 'the trigger, by name')
    .requiredOption('--payload <file>', 'the webhook body (JSON), e.g. saved from the forge')
    .option('--triggers <file>', 'the triggers file', 'triggers.yaml')
    .option('--event <name>', "the forge's event header (default: push; GitLab: Push Hook)")
    .option('--header <name: value>', 'another header the payload came with (repeatable)', collect, [])
    .action((name: string, f: TestFlags) => {
      process.exitCode = testTrigger(name, f);
    });
}

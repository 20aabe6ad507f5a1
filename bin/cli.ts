/**
 * `imagegw-audit`: the command line of spec/report.md. Errors are one line on stderr (a stack
 * only with --debug); exit statuses: 0 pass, 1 failing findings, 2 bad usage or input,
 * 3 incomplete audit.
 */

import { Command, CommanderError, Option } from 'commander';
import { EXIT, TOOL_VERSION } from '../shared/audit/report';
import { ConfigError } from '../shared/config';
import { ChannelsError } from '../shared/notify/channels-file';
import { parsePolicyDuration } from '../shared/policy/duration';
import { PolicyError } from '../shared/policy/errors';
import { policyJsonSchema } from '../shared/policy/json-schema';
import { loadPolicyFile } from '../shared/policy/load';
import { PolicyTestError } from '../shared/policy-test/cases';
import { redactSecrets } from '../shared/redact';
import { StateError } from '../shared/state/store';
import { oneLine } from '../shared/text';
import { type CheckOptions, checkCommand } from './commands/check';
import { demoCommand } from './commands/demo';
import { policyTestCommand } from './commands/policy-test';
import { type RunOptions, runCommand } from './commands/run';
import { DEFAULT_PORT, type ServeOptions, serveCommand } from './commands/serve';
import { parseNow, reportOptions, UsageError } from './output';

function withReportOptions(command: Command): Command {
  for (const option of reportOptions()) command.addOption(option);
  return command;
}

/** 1 to 9999, the same bounds as the functions' IMAGEGW_QPS and IMAGEGW_CONCURRENCY. */
const positiveInt = (name: string) => (value: string) => {
  if (!/^[1-9]\d{0,3}$/.test(value))
    throw new UsageError(`${name}: "${oneLine(value, 40)}" is not a whole number from 1 to 9999`);
  return Number(value);
};

const portNumber = (name: string) => (value: string) => {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`${name}: "${value}" is not a port number (0 to 65535; 0 picks a free port)`);
  return Number(value);
};

/** Options `run` and `serve` share: where the fleet is, how fast to read it, where state is kept. */
const fleetOptions = {
  regions: () =>
    new Option('--regions <list>', 'regions to audit, comma-separated (default: ALIBABA_CLOUD_REGION_ID)'),
  endpoint: () =>
    new Option('--endpoint <url>', 'E-HPC endpoint for every region, or region=URL pairs, comma-separated'),
  concurrency: () =>
    new Option('--concurrency <n>', 'gateway reads in flight at once (default 4)').argParser(
      positiveInt('--concurrency'),
    ),
  qps: () =>
    new Option('--qps <n>', 'requests per second per region (default 10)').argParser(positiveInt('--qps')),
  channels: () => new Option('--channels <file>', 'chat channels file (default: IMAGEGW_CHANNELS_FILE)'),
  state: (what = 'notification state') =>
    new Option('--state <dir>', `where ${what} is kept (default: IMAGEGW_STATE_DIR, else .imagegw-state)`),
};

const durationSeconds = (name: string) => (value: string) => {
  const parsed = parsePolicyDuration(value);
  if (!parsed.ok) throw new UsageError(`${name}: "${value}" is not a duration such as 90s, 10m or 1h`);
  if (parsed.value === 0) throw new UsageError(`${name}: give a positive duration, such as 90s, 10m or 1h`);
  return parsed.value;
};

function program(setExit: (code: number) => void): Command {
  const cli = new Command('imagegw-audit')
    .description('Audit the image gateway configuration of Alibaba Cloud E-HPC clusters against a policy')
    .version(TOOL_VERSION)
    // Usage errors are one line, like every other error (subcommands inherit this).
    .configureOutput({
      outputError: (text, write) =>
        write(`imagegw-audit: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
    });

  withReportOptions(
    cli
      .command('check')
      .description('audit saved DescribeImageGatewayConfig responses offline, no cloud access')
      .argument('<files...>', 'saved configurations (JSON)')
      .option('--cluster <id>', 'cluster id for a single FILE')
      .option(
        '--region <region>',
        'region the saved files belong to, for region-scoped overrides and waivers',
      ),
  ).action(async (files: string[], options: CheckOptions) => setExit(await checkCommand(files, options)));

  withReportOptions(
    cli
      .command('run')
      .description('list clusters through the E-HPC API and audit each one')
      .addOption(fleetOptions.regions())
      .addOption(fleetOptions.endpoint())
      .option('--clusters <ids>', 'audit only these cluster ids, comma-separated')
      .addOption(fleetOptions.concurrency())
      .addOption(fleetOptions.qps())
      .addOption(
        new Option(
          '--deadline <duration>',
          'time budget (e.g. 10m): no new reads after it; the rest are listed as not evaluated',
        ).argParser(durationSeconds('--deadline')),
      )
      .option('--notify', 'deliver to the configured chat channels')
      .option('--dry-run', 'render the chat messages, send nothing')
      .addOption(fleetOptions.channels())
      .addOption(fleetOptions.state()),
  ).action(async (options: RunOptions) => setExit(await runCommand(options, process.env)));

  cli
    .command('serve')
    .description(
      'serve the audit-api function (GET /audit, GET /report, chat commands) over plain HTTP on this machine, for development and tests',
    )
    .addOption(
      new Option('--port <n>', 'TCP port; 0 picks a free one')
        .default(DEFAULT_PORT)
        .argParser(portNumber('--port')),
    )
    .option(
      '--host <address>',
      'address to listen on (default 127.0.0.1; others are warned about: plain HTTP)',
    )
    .addOption(fleetOptions.regions())
    .addOption(fleetOptions.endpoint())
    .option('--policy <file>', 'policy file (YAML or JSON); default: the built-in baseline policy')
    .addOption(fleetOptions.channels())
    .addOption(fleetOptions.state('state (leases, caller budgets, run history)'))
    .addOption(fleetOptions.concurrency())
    .addOption(fleetOptions.qps())
    .action(async (options: ServeOptions) => setExit(await serveCommand(options, process.env)));

  cli
    .command('demo')
    .description(
      'audit a sample fleet on the embedded E-HPC emulator, deliver the digest to a DingTalk robot emulator and show the webhook summary',
    )
    .option('--policy <file>', 'policy file (default: examples/policy.yaml)')
    .addOption(new Option('--format <format>', 'report format').choices(['json', 'table']))
    .option('--debug', 'print stack traces of errors')
    .action(async (options: { policy?: string; format?: 'json' | 'table' }) =>
      setExit(await demoCommand(options)),
    );

  const policy = cli.command('policy').description('work with policy files');
  policy
    .command('validate')
    .description('check a policy and print every problem with file, line and column')
    .argument('<file>')
    .action(async (file: string) => {
      await loadPolicyFile(file);
      process.stdout.write(`${file}: valid\n`);
      setExit(EXIT.ok);
    });
  policy
    .command('test')
    .description('run policy test cases (*.case.yaml: a saved configuration and the findings expected of it)')
    .argument('<dir>')
    .option('--policy <file>', 'the policy under test (default: DIR/policy.yaml)')
    .addOption(
      new Option('--now <time>', 'the clock for cases that give none (RFC 3339)').argParser(parseNow),
    )
    .action(async (dir: string, options: { policy?: string; now?: Date }) =>
      setExit(await policyTestCommand(dir, options)),
    );
  policy
    .command('schema')
    .description("print the policy's JSON Schema (also committed as policy.schema.json)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
      setExit(EXIT.ok);
    });
  return cli;
}

/** Known failures become one line; anything else is a bug, shown redacted (with a stack on --debug). */
function describeFailure(error: unknown): string {
  const known = [PolicyError, PolicyTestError, UsageError, ConfigError, ChannelsError, StateError];
  if (known.some((type) => error instanceof type)) return (error as Error).message;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `unexpected error: ${text}`;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const cli = program((code) => {
    exitCode = code;
  });
  cli.exitOverride();
  cli.commands.forEach(function override(command: Command) {
    command.exitOverride();
    command.commands.forEach(override);
  });
  try {
    await cli.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other commander error is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    for (const line of describeFailure(error).split('\n'))
      process.stderr.write(`imagegw-audit: ${redactSecrets(line)}\n`);
    if (argv.includes('--debug') && error instanceof Error && error.stack)
      process.stderr.write(`${redactSecrets(error.stack)}\n`);
    return EXIT.usage;
  }
}

import type { BackendName } from '../config/types';
import { nearest } from '../util/levenshtein';

export interface CliArgs {
  config?: string;
  dryRun: boolean;
  verbose: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  backend?: BackendName;
  resume: boolean;
  rerunFailed: boolean;
  rerunRemaining: boolean;
  runDir?: string;
  checkServer: boolean;
  probeQuery: boolean;
  quiet: boolean;
  /** Write the run's grid and summary to this HTML file. */
  report?: string;
  /** With --report: the last recorded run, without running. */
  lastRun: boolean;
}

export class UsageError extends Error {}

/** Every option, for "did you mean" (kept beside the parser's switch below). */
const FLAGS = ['--config', '--dry-run', '--verbose', '--quiet', '--json', '--help', '--version', '--resume', '--rerun-failed', '--rerun-remaining', '--run-dir', '--check-server', '--report', '--last-run', '--no-probe-query', '--backend'];

export const USAGE = `Usage: pq-orchestrator [--config] <path> [options]

Runs a worker script once per (date, partition) of a config.yaml, as Deephaven Enterprise persistent queries
or as local processes.

Options:
  --config <path>       the YAML configuration file (required; or give the path alone)
  --dry-run             validate the config and print the plan; creates nothing
  --verbose             debug logging
  --quiet               only problems, errors and the summary
  --json                machine-readable output: the plan or problems (dry run), one event per line (run)
  --backend <name>      dhe | local: where cells run (overrides the config's \`backend\`)
  --resume              continue the last interrupted run of this config, unchanged
  --rerun-failed        a new run, with the config and worker script as they are now, of the cells that failed
                        in the last run of this config (matched by query name)
  --rerun-remaining     the same for every cell the last run did not finish with success (failed, stopped, not
                        started): after a fix, what an interrupted run had left
  --run-dir <path>      where run records are kept (default: .pq-orchestrator/ beside the config)
  --check-server        log in to the config's Deephaven server, list what it offers, check the config against
                        it and run one probe query that reports what a worker sees; exit 0 when all fits, 4 if not
  --no-probe-query      with --check-server: only read, create nothing
  --report <file.html>  also write the run's grid of every cell and its summary to one self-contained HTML file
  --last-run            with --report: the last recorded run of the config, without running anything
  --help                this text
  --version             the version

Exit codes: 0 success, 1 creation failures, 2 execution failures, 3 both, 4 error.`;

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { dryRun: false, verbose: false, json: false, help: false, version: false, resume: false, rerunFailed: false, rerunRemaining: false, checkServer: false, probeQuery: true, quiet: false, lastRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--config': case '-c': args.config = value(); break;
      case '--dry-run': args.dryRun = true; break;
      case '--verbose': case '-v': args.verbose = true; break;
      case '--quiet': case '-q': args.quiet = true; break;
      case '--json': args.json = true; break;
      case '--help': case '-h': args.help = true; break;
      case '--version': args.version = true; break;
      case '--resume': args.resume = true; break;
      case '--rerun-failed': args.rerunFailed = true; break;
      case '--rerun-remaining': args.rerunRemaining = true; break;
      case '--run-dir': args.runDir = value(); break;
      case '--check-server': args.checkServer = true; break;
      case '--report': args.report = value(); break;
      case '--last-run': args.lastRun = true; break;
      case '--no-probe-query': args.probeQuery = false; break;
      case '--backend': {
        const b = value();
        if (b !== 'dhe' && b !== 'local') throw new UsageError(`--backend must be dhe or local, got "${b}"`);
        args.backend = b;
        break;
      }
      default:
        if (!a.startsWith('-') && args.config === undefined) {
          args.config = a; // the config given alone: pq-orchestrator config.yaml
          break;
        }
        if (!a.startsWith('-')) throw new UsageError(`unexpected argument: ${a} (one config at a time)`);
        {
          const guess = nearest(flag, FLAGS);
          throw new UsageError(`unknown option: ${a}${guess ? `; did you mean ${guess}?` : ''}`);
        }
    }
  }
  if (args.lastRun && !args.report) throw new UsageError('--last-run goes with --report <file.html>');
  const modes = [args.resume, args.rerunFailed, args.rerunRemaining].filter(Boolean).length;
  if (args.lastRun && (modes || args.dryRun || args.checkServer)) throw new UsageError('--last-run writes a report only: leave out other modes');
  if (args.quiet && args.verbose) throw new UsageError('--quiet and --verbose cannot be combined');
  if (modes > 1) throw new UsageError('--resume, --rerun-failed and --rerun-remaining cannot be combined');
  if (args.checkServer && (args.dryRun || modes)) throw new UsageError('--check-server runs alone: leave out --dry-run, --resume and --rerun-*');
  if (!args.probeQuery && !args.checkServer) throw new UsageError('--no-probe-query goes with --check-server');
  if (!args.help && !args.version && !args.config) throw new UsageError('a config is required: pq-orchestrator config.yaml');
  return args;
}

/** `aekit ops`: every op's forward result against a reference and its gradient against finite differences. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatOpLine, parseOpList, runOpChecks } from '../../check/ops-report.js';
import { type Io, defaultIo } from '../io.js';
import { examplesHelp } from '../examples.js';

function onlyOps(value: string): string[] {
  try {
    return parseOpList(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function opsCommand(io: Io = defaultIo()): Command {
  return new Command('ops')
    .description('check every op: forward against a reference, gradient against central finite differences (through ONNX Runtime)')
    .addOption(new Option('--only <ops>', 'comma-separated op names to check (as the report prints them)').argParser(onlyOps))
    .option('--json', 'print the report as JSON')
    .option('-v, --verbose', 'print every case')
    .addHelpText('after', examplesHelp('aekit ops --only Conv,MaxPool -v'))
    .action(async (opts: { only?: string[]; json?: boolean; verbose?: boolean }) => {
      const wanted = opts.only;
      const report = await runOpChecks(wanted ? (op) => wanted.includes(op) : undefined, (r) => {
        if (opts.verbose && !opts.json) io.log(`  ${r.op} / ${r.label}: ${r.dtype} forward ${r.forward} gradient ${r.gradient} err ${r.gradError.toExponential(2)}${r.message ? ` (${r.message})` : ''}`);
      });
      if (opts.json) {
        io.out(JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
      } else {
        for (const r of report.ops) {
          io.log(formatOpLine(r));
          for (const f of r.failures) io.log(`     ${f}`);
        }
        io.log(`${report.total} ops, ${report.gradientChecked} gradient-checked, ${report.failed} failed`);
      }
      if (report.failed > 0) process.exitCode = 1;
    });
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { formatOpLine, parseOpList, runOpChecks } from '../check/ops-report.js';
import { trainCommand } from './train.js';

function onlyOps(value: string): string[] {
  try {
    return parseOpList(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const program = new Command();
program.name('aekit').description('Autoencoder toolkit: build, train and use autoencoders compiled to ONNX.').version('0.1.0');

program
  .command('ops')
  .description('check every op: forward against a reference, gradient against central finite differences (through ONNX Runtime)')
  .addOption(new Option('--only <ops>', 'comma-separated op names to check (as the report prints them)').argParser(onlyOps))
  .option('--json', 'print the report as JSON')
  .option('-v, --verbose', 'print every case')
  .action(async (opts: { only?: string[]; json?: boolean; verbose?: boolean }) => {
    const wanted = opts.only;
    const report = await runOpChecks(wanted ? (op) => wanted.includes(op) : undefined, (r) => {
      if (opts.verbose && !opts.json) console.log(`  ${r.op} / ${r.label}: ${r.dtype} forward ${r.forward} gradient ${r.gradient} err ${r.gradError.toExponential(2)}${r.message ? ` (${r.message})` : ''}`);
    });
    if (opts.json) {
      console.log(JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    } else {
      for (const r of report.ops) {
        console.log(formatOpLine(r));
        for (const f of r.failures) console.log(`     ${f}`);
      }
      console.log(`${report.total} ops, ${report.gradientChecked} gradient-checked, ${report.failed} failed`);
    }
    if (report.failed > 0) process.exitCode = 1;
  });

program.addCommand(trainCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`aekit: ${(e as Error).message}`);
  process.exitCode = 1;
});

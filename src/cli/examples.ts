/**
 * The text that ends a command's `--help`: example command lines, one per
 * argument, indented under an `Example:` heading, as every aekit command
 * shows them (`.addHelpText('after', examplesHelp(...))`).
 */
export function examplesHelp(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

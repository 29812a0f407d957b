/** Every case of the review, in report order. */
import { apiCases, configCases, layerCases, optimCases, pcaCases } from './cases-api.js';
import { cliCases, envCases } from './cases-cli-env.js';
import { checkpointCases, csvCases, exportCases, folderCases, idxFileCases, imageCases, jsonFileCases, npyFileCases, streamCases } from './cases-files.js';
import { serveCases } from './cases-serve.js';
import type { Case } from './types.js';

export const CASES: readonly Case[] = [
  ...apiCases, ...configCases, ...layerCases, ...optimCases, ...pcaCases,
  ...checkpointCases, ...exportCases,
  ...csvCases, ...npyFileCases, ...idxFileCases, ...jsonFileCases, ...imageCases, ...folderCases, ...streamCases,
  ...serveCases,
  ...cliCases, ...envCases,
];

const ids = new Set<string>();
for (const c of CASES) {
  if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
  ids.add(c.id);
}

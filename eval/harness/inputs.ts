/** Everything a run reads before it starts, read up front so a bad flag fails before a long run. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GatesFile } from '../report/gates';
import { readGates } from '../report/gates';
import { readReport } from '../report/read';
import type { DatasetInfo } from '../report/meta';
import { datasetInfo } from '../report/meta';
import type { JsonValue, Report } from '../report/schema';
import type { SuiteArgs } from './args';

export interface RunInputs {
  config: JsonValue;
  gates?: GatesFile;
  baseline?: Report;
  /** set when --dataset names an existing file or directory (hashed); suites may replace it */
  dataset?: DatasetInfo;
}

export async function readInputs(args: SuiteArgs): Promise<RunInputs> {
  const inputs: RunInputs = { config: {} };
  if (args.config !== undefined) inputs.config = await readConfig(args.config);
  if (args.gate !== undefined) inputs.gates = await readGates(args.gate);
  if (args.baseline !== undefined) inputs.baseline = await readReport(args.baseline);
  if (args.dataset !== undefined) {
    const s = await stat(args.dataset).catch(() => null);
    if (s && (s.isFile() || s.isDirectory())) {
      inputs.dataset = await datasetInfo(path.basename(args.dataset).replace(/\.[^.]+$/, ''), args.dataset);
    }
  }
  return inputs;
}

async function readConfig(file: string): Promise<JsonValue> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --config ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new Error(`--config ${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The offline judge: the LLM simulator in `scripted` mode on 127.0.0.1, answering judge prompts
 * from regex rules (eval/judge/sim-judge-script.json by default). Its verdicts are whatever the
 * script says — good for exercising parsing, retries, swaps and reporting, never a judgement of
 * quality. Zero delays: judge latency is not what is measured here.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ScriptRule, type Simulator, startSimulator } from '../../serve';
import { createJudgeModel, type JudgeModel } from './model';

export const SIM_JUDGE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'sim-judge-script.json');
export const SIM_JUDGE_MODEL = 'memocha-sim-judge';
export const SIM_JUDGE_NOTE = 'offline: verdicts come from the LLM simulator in scripted mode (regex rules in eval/judge/sim-judge-script.json); they test the judging machinery and are NOT a judgement of answer quality';

export interface ScriptedJudge {
  model: JudgeModel;
  sim: Simulator;
  close(): Promise<void>;
}

export async function startScriptedJudge(o: { script?: ScriptRule[]; scriptPath?: string; concurrency?: number; recordPrompts?: boolean } = {}): Promise<ScriptedJudge> {
  const sim = await startSimulator({
    mode: 'scripted',
    model: SIM_JUDGE_MODEL,
    ...(o.script ? { script: o.script } : { scriptPath: o.scriptPath ?? SIM_JUDGE_SCRIPT }),
    ttft: { kind: 'fixed', ms: 0 },
    itl: { kind: 'fixed', ms: 0 },
    chunkTokens: 64,
    recordPrompts: o.recordPrompts ?? false,
  });
  const model = createJudgeModel({ baseUrl: sim.url, apiKey: 'simulator', model: SIM_JUDGE_MODEL, concurrency: o.concurrency ?? 4, timeoutMs: 10_000, maxRetries: 1 });
  return {
    model,
    sim,
    async close() {
      model.close();
      await sim.close();
    },
  };
}

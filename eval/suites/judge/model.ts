/** Which judge the suite uses: an OpenAI-compatible endpoint (config judge.baseUrl, else JUDGE_*), or the scripted simulator. */
import { createJudgeModel, judgeModelFromEnv, type JudgeModel, type JudgeModelOptions } from '../../judge/model';
import { SIM_JUDGE_NOTE, startScriptedJudge } from '../../judge/sim';
import type { RunMeta } from '../../report/schema';
import type { JudgeSuiteConfig } from './config';

export interface ResolvedJudge {
  model: JudgeModel;
  offline: boolean;
  provider: NonNullable<RunMeta['provider']>;
  note: string;
  close(): Promise<void>;
}

export async function resolveJudge(cfg: JudgeSuiteConfig, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedJudge> {
  const fromEnv = cfg.judge.offline ? null : judgeModelFromEnv(env);
  const baseUrl = cfg.judge.offline ? undefined : (cfg.judge.baseUrl ?? fromEnv?.baseUrl);
  if (baseUrl) {
    const o: JudgeModelOptions = {
      ...fromEnv,
      baseUrl,
      model: cfg.judge.model ?? fromEnv?.model ?? 'gpt-4o-mini',
      ...(env.JUDGE_API_KEY ? { apiKey: env.JUDGE_API_KEY } : {}),
      concurrency: cfg.concurrency,
      ...(cfg.judge.timeoutMs ? { timeoutMs: cfg.judge.timeoutMs } : {}),
    };
    const model = createJudgeModel(o);
    return {
      model,
      offline: false,
      provider: { kind: 'judge-openai-compatible', model: o.model, baseUrl },
      note: `judge model ${model.id}: its verdicts are its own judgement (check it against people before trusting it)`,
      close: async () => model.close(),
    };
  }
  const sim = await startScriptedJudge({ ...(cfg.script ? { scriptPath: cfg.script } : {}), concurrency: cfg.concurrency });
  return {
    model: sim.model,
    offline: true,
    provider: { kind: 'simulator-scripted (verdicts are scripted, not a judgement of quality)', model: sim.model.model, baseUrl: sim.sim.url },
    note: SIM_JUDGE_NOTE,
    close: () => sim.close(),
  };
}

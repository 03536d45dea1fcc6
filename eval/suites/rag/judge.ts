/**
 * The judge model for the RAG suite: the JUDGE_* endpoint when JUDGE_BASE_URL is set, otherwise
 * the simulator in `scripted` mode with eval/judge/sim-rag-script.json. The scripted verdicts only
 * exercise the machinery (they test whether a text occurs word for word in another); the report
 * says so.
 */
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../../../serve';
import { createJudgeModel, judgeModelFromEnv, type JudgeModel } from '../../judge/model';

export const SIM_RAG_SCRIPT = fileURLToPath(new URL('../../judge/sim-rag-script.json', import.meta.url));

export const SCRIPTED_NOTE =
  'OFFLINE: the LLM-based RAG metrics (faithfulness, answer relevancy, context precision, context recall) come from a scripted ' +
  'simulator (eval/judge/sim-rag-script.json: word-for-word matching rules). They test the pipeline and are NOT a judgement ' +
  'of quality. Set JUDGE_BASE_URL / JUDGE_API_KEY / JUDGE_MODEL for real verdicts. Semantic similarity is real (the embedder).';

export interface RagJudge {
  model: JudgeModel;
  kind: 'endpoint' | 'scripted-simulator';
  /** what the report says about where the verdicts come from */
  note: string;
  close(): Promise<void>;
}

export async function openRagJudge(env: NodeJS.ProcessEnv = process.env, scriptPath = SIM_RAG_SCRIPT): Promise<RagJudge> {
  const fromEnv = judgeModelFromEnv(env);
  if (fromEnv) {
    const model = createJudgeModel(fromEnv);
    return { model, kind: 'endpoint', note: `LLM-based metrics judged by ${model.id} (JUDGE_BASE_URL).`, close: async () => model.close() };
  }
  const sim = await startSimulator({
    mode: 'scripted',
    scriptPath,
    model: 'rag-judge-scripted',
    ttft: { kind: 'fixed', ms: 0 },
    itl: { kind: 'fixed', ms: 0 },
    chunkTokens: 64,
  });
  const model = createJudgeModel({ baseUrl: sim.url, apiKey: 'simulator', model: 'rag-judge-scripted', maxRetries: 1, timeoutMs: 30_000 });
  return {
    model,
    kind: 'scripted-simulator',
    note: SCRIPTED_NOTE,
    async close() {
      model.close();
      await sim.close();
    },
  };
}

/**
 * judge: LLM-as-judge on datasets/judge-dev.jsonl — rubric scores (1–5 with a reason, several
 * samples per answer), pairwise comparison with position swap, consistency across paraphrased
 * questions, LoCoMo J, and agreement with people from filled rating sheets. Without a judge
 * endpoint (JUDGE_BASE_URL or config judge.baseUrl) the verdicts come from the scripted simulator
 * and say nothing about quality: the report says so in its provider, notes and definitions.
 * Config: judge/config.ts.
 */
import { DEFAULT_JUDGE_DATASET, loadJudgeDataset } from '../../judge/dataset';
import { readRatingSheets, type ParsedSheet } from '../../judge/human';
import { loadPrompt, promptRef } from '../../judge/prompt-file';
import { rubricPrompt } from '../../judge/rubric';
import { defineSuite } from '../../harness/suite';
import { judgeConfig } from './config';
import { emitParaphrases, runParaphrases } from './consistency';
import { emitHuman, exportSheet, sheetPath } from './human';
import { resolveJudge } from './model';
import { emitLocomoJ, runLocomoJ } from './locomo';
import { emitPairwise, runPairwise } from './pairwise';
import { emitRubric, runRubric } from './rubric';

export default defineSuite({
  name: 'judge',
  description: 'LLM-as-judge: rubric (1–5, samples), pairwise with swap, paraphrase consistency, LoCoMo J, agreement with people',
  ...judgeConfig,
  async run(ctx, cfg) {
    const dataset = await loadJudgeDataset(ctx.args.dataset ?? DEFAULT_JUDGE_DATASET);
    const items = cfg.items !== undefined ? dataset.items.slice(0, cfg.items) : dataset.items;
    // read people's sheets before spending judge calls: a bad sheet stops the run with its line numbers
    const human: ParsedSheet | undefined = cfg.humanSheets.length > 0 ? await readRatingSheets(cfg.humanSheets) : undefined;
    const sheetFile = sheetPath(cfg, ctx.args.out);

    const prompts: Record<string, string> = Object.fromEntries([
      ...cfg.criteria.map((c) => [`rubric-${c}`, promptRef(rubricPrompt(c))] as const),
      ...(cfg.pairwise ? [['pairwise', promptRef(loadPrompt('pairwise'))] as const] : []),
      ...(cfg.locomoJ ? [['locomo-j', promptRef(loadPrompt('locomo-j'))] as const] : []),
    ]);
    const judge = await resolveJudge(cfg);
    const offlineNote = judge.offline ? 'OFFLINE: scripted simulator verdicts, not a judgement of quality' : undefined;
    try {
      ctx.log(judge.note);
      ctx.setMeta({
        config: { itemsJudged: items.length, temperatureUsed: cfg.temperature, judgeModel: judge.model.id, verdictSource: judge.note, prompts, ...(sheetFile ? { exportSheetFile: sheetFile } : {}) },
        dataset: dataset.info,
        provider: judge.provider,
        target: 'none (the judge suite judges the answers in the dataset; it starts no Memocha server)',
      });
      const notes = [judge.note, `prompts: ${Object.values(prompts).join(', ')}`];
      if (judge.offline) notes.push('the simulator ignores temperature: offline, the samples of one answer always agree (sample disagreement is 0 by construction)');
      ctx.table('judge', ['note'], notes.map((n) => [n]));

      const rubric = await runRubric(ctx, judge.model, items, cfg);
      emitRubric(ctx, rubric, cfg, offlineNote);
      if (cfg.pairwise && !ctx.signal.aborted) emitPairwise(ctx, await runPairwise(ctx, judge.model, items, cfg), offlineNote);
      if (cfg.paraphrases && !ctx.signal.aborted) emitParaphrases(ctx, await runParaphrases(ctx, judge.model, items, cfg), cfg, offlineNote);
      if (cfg.locomoJ && !ctx.signal.aborted) emitLocomoJ(ctx, await runLocomoJ(ctx, judge.model, items, cfg), offlineNote);
      if (human) emitHuman(ctx, rubric, human, cfg.humanSheets);
      if (sheetFile) {
        const n = await exportSheet(sheetFile, rubric);
        ctx.log(`rating sheet with ${n} rows written to ${sheetFile} (instructions: eval/README.md, "Human evaluation")`);
        ctx.table('rating sheet', ['file', 'rows'], [[sheetFile, n]]);
      }
    } finally {
      await judge.close();
    }
  },
});

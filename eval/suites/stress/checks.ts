/** Pass/fail checks of the stress suite: each becomes a row, a line of the checks table, and counts. */
import type { Cell } from '../../harness/builder';
import type { SuiteContext } from '../../harness/suite';

export interface Check {
  /** e.g. "long/history-flat" */
  name: string;
  passed: boolean;
  value: number | null;
  /** the limit the value was held to, when there is one */
  limit: number | null;
  detail: string;
}

export class Checks {
  readonly all: Check[] = [];

  add(c: Check): Check {
    this.all.push(c);
    return c;
  }

  emit(ctx: SuiteContext): void {
    for (const c of this.all) {
      ctx.row({ case: `check/${c.name}`, check: c.name, passed: c.passed ? 1 : 0, value: c.value, limit: c.limit, detail: c.detail, ...(c.passed ? {} : { error: `check failed: ${c.detail}` }) });
    }
    const passed = this.all.filter((c) => c.passed).length;
    ctx.metric('checks_passed', passed, 'count', { n: this.all.length, definition: 'stress checks that passed', higherIsBetter: true, headline: true });
    ctx.metric('checks_failed', this.all.length - passed, 'count', { n: this.all.length, definition: 'stress checks that failed (each is a row with an error)', higherIsBetter: false, headline: true });
    ctx.table(
      'checks',
      ['check', 'result', 'value', 'limit', 'detail'],
      this.all.map((c): Cell[] => [c.name, c.passed ? 'pass' : 'FAIL', num(c.value), num(c.limit), c.detail]),
    );
  }
}

function num(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null;
}

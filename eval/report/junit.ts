/**
 * junit.xml for CI: suite `<name>.run` (completed, plus errors not tied to a case), `<name>.gates`
 * (one testcase per gate check; skipped checks are <skipped>), `<name>.cases` (one testcase per
 * case row; its `error`, and errors recorded for that case, are failures).
 */
import type { GateCheck, Report } from './schema';
import { escapeXml, escapeXmlText } from './xml';

interface TestCase {
  name: string;
  failures: { type: string; message: string }[];
  skipped?: string;
}

export function toJunit(report: Report): string {
  const s = report.suite;
  const suites = [
    render(`${s}.run`, runCases(report)),
    ...(report.gates ? [render(`${s}.gates`, report.gates.checks.map(gateCase))] : []),
    render(`${s}.cases`, caseCases(report)),
  ];
  const all = [runCases(report), report.gates?.checks.map(gateCase) ?? [], caseCases(report)].flat();
  const failures = all.filter((c) => c.failures.length > 0).length;
  const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(`memocha-eval ${s}`)}" tests="${all.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}" timestamp="${escapeXml(report.startedAt)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function runCases(report: Report): TestCase[] {
  const completed: TestCase = {
    name: 'completed',
    failures: report.interrupted ? [{ type: 'interrupted', message: 'the run was interrupted (SIGINT) before it finished' }] : [],
  };
  const cases = new Set(report.rows.map((r) => r.case));
  const loose = report.errors.filter((e) => e.case === undefined);
  return [
    completed,
    ...loose.map((e, i) => ({ name: `error ${i + 1}`, failures: [{ type: 'error', message: e.message }] })),
    ...report.errors
      .filter((e) => e.case !== undefined && !cases.has(e.case))
      .map((e) => ({ name: `case ${e.case}`, failures: [{ type: 'case-error', message: e.message }] })),
  ];
}

function gateCase(c: GateCheck): TestCase {
  const name = `${c.metric} ${c.kind}`;
  if (c.skipped) return { name, failures: [], skipped: c.message };
  return { name, failures: c.passed ? [] : [{ type: 'gate', message: c.message }] };
}

function caseCases(report: Report): TestCase[] {
  const byCase = new Map<string, string[]>();
  for (const e of report.errors) {
    if (e.case === undefined) continue;
    byCase.set(e.case, [...(byCase.get(e.case) ?? []), e.message]);
  }
  return report.rows.map((row) => {
    const messages = [...(row.error !== undefined ? [row.error] : []), ...(byCase.get(row.case) ?? [])];
    byCase.delete(row.case); // several rows with one case id: attach the errors once
    return { name: row.case, failures: messages.map((m) => ({ type: 'case-error', message: m })) };
  });
}

function render(suiteName: string, cases: TestCase[]): string {
  const failures = cases.filter((c) => c.failures.length > 0).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const cls = escapeXml(suiteName);
  const lines = [`  <testsuite name="${cls}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`];
  for (const c of cases) {
    const open = `    <testcase classname="${cls}" name="${escapeXml(c.name)}"`;
    if (c.failures.length === 0 && c.skipped === undefined) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.skipped !== undefined) lines.push(`      <skipped message="${escapeXml(c.skipped)}"/>`);
    for (const f of c.failures) {
      lines.push(`      <failure type="${escapeXml(f.type)}" message="${escapeXml(firstLine(f.message))}">${escapeXmlText(f.message)}</failure>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

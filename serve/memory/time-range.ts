/**
 * Dates in a question ("last May", "in 2022", "on 8 May 2023", "two years ago", "yesterday") as a
 * time range, relative to when the question is asked. chrono-node does the parsing; a few shapes it
 * misses or gets wrong are handled here:
 *   - "last May" / "in May": the latest such month not after the reference date;
 *   - a bare year after in/of/during/since/from ("in 2022");
 *   - seasons ("the summer of 2022", "last winter"), northern hemisphere;
 *   - "two weeks before the wedding" is relative to an event, not to today: ignored.
 * The range covers what the expression names at its own granularity (a day, a week, a month, a
 * season, a year); retrieval widens it by the delay with which people talk about events.
 */
import * as chrono from 'chrono-node';

export interface TimeRange {
  from: Date;
  /** exclusive */
  to: Date;
  /** the words of the question it came from */
  text: string;
}

const DAY = 86_400_000;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = MONTHS.map((m) => `${m}|${m.slice(0, 3)}`).join('|');
const SEASONS: Record<string, number> = { spring: 2, summer: 5, fall: 8, autumn: 8, winter: 11 };

const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d));

function monthRange(year: number, month: number, text: string): TimeRange {
  return { from: utc(year, month), to: utc(year, month + 1), text };
}

/** The latest `month` (0-11) that starts on or before `ref` (strictly before for "last"). */
function latestMonth(month: number, ref: Date, strict: boolean): number {
  const y = ref.getUTCFullYear();
  const m = ref.getUTCMonth();
  return month < m || (month === m && !strict) ? y : y - 1;
}

function explicitRange(q: string, ref: Date): TimeRange | null {
  const season = new RegExp(`\\b(last|this|the)?\\s*(spring|summer|fall|autumn|winter)(?:\\s+of)?\\s*((?:19|20)\\d{2})?\\b`, 'i').exec(q);
  if (season && (season[1] || season[3])) {
    const start = SEASONS[season[2]!.toLowerCase()]!;
    let year = season[3] ? Number(season[3]) : ref.getUTCFullYear();
    if (!season[3] && utc(year, start) > ref) year -= 1;
    if (!season[3] && season[1]?.toLowerCase() === 'last' && utc(year, start + 3) > ref) year -= 1;
    return { from: utc(year, start), to: utc(year, start + 3), text: season[0].trim() };
  }
  const month = new RegExp(`\\b(last|in|during|this)\\s+(${MONTH_RE})\\b(?!\\s+\\d)(?:\\s*,?\\s*((?:19|20)\\d{2}))?`, 'i').exec(q);
  if (month) {
    const idx = MONTHS.findIndex((m) => m.startsWith(month[2]!.toLowerCase().slice(0, 3)));
    const year = month[3] ? Number(month[3]) : latestMonth(idx, ref, month[1]!.toLowerCase() === 'last');
    return monthRange(year, idx, month[0].trim());
  }
  const year = /\b(?:in|of|during|since|from|around)\s+((?:19|20)\d{2})\b(?!\s*[-/])/i.exec(q);
  if (year) {
    const y = Number(year[1]);
    return { from: utc(y, 0), to: utc(y + 1, 0), text: year[0] };
  }
  return null;
}

/** Relative to an event rather than to the reference date ("two weeks before the wedding"). */
function eventRelative(q: string, r: chrono.ParsedResult): boolean {
  if (!/\b(before|after)$/i.test(r.text.trim())) return false;
  const rest = q.slice(r.index + r.text.length).trim();
  return !chrono.parseDate(rest);
}

function chronoRange(q: string, ref: Date): TimeRange | null {
  for (const r of chrono.parse(q, { instant: ref, timezone: 'UTC' }, { forwardDate: false })) {
    if (eventRelative(q, r)) continue;
    if (/^(?:right )?now$/i.test(r.text.trim())) continue; // "where do I live now?" asks about the current state, not about today
    const s = r.start;
    const day = s.isCertain('day');
    const month = s.isCertain('month');
    const year = s.isCertain('year');
    const relative = /\b(ago|last|yesterday|today|this|past|previous)\b/i.test(r.text);
    if (!day && !month && !year && !relative) continue; // a bare weekday or time of day
    const d = s.date();
    const y = d.getUTCFullYear();
    if (/\bweeks?\b/i.test(r.text)) {
      const start = new Date(Date.UTC(y, d.getUTCMonth(), d.getUTCDate()) - 3 * DAY);
      return { from: start, to: new Date(start.getTime() + 7 * DAY), text: r.text };
    }
    if (/\bmonths?\b/i.test(r.text) && !day) return monthRange(y, d.getUTCMonth(), r.text);
    if (day || (relative && !/\b(years?|months?)\b/i.test(r.text))) {
      const from = utc(y, d.getUTCMonth(), d.getUTCDate());
      const to = r.end ? new Date(utc(r.end.date().getUTCFullYear(), r.end.date().getUTCMonth(), r.end.date().getUTCDate()).getTime() + DAY) : new Date(from.getTime() + DAY);
      return { from, to, text: r.text };
    }
    if (month) return monthRange(y, d.getUTCMonth(), r.text);
    return { from: utc(y, 0), to: utc(y + 1, 0), text: r.text };
  }
  return null;
}

/** The time range a question names, or null when it names none. */
export function questionTimeRange(question: string, ref: Date): TimeRange | null {
  return explicitRange(question, ref) ?? chronoRange(question, ref);
}

const PRESENT_CUES = /\b(now|currently|current|these days|nowadays|at the moment|at present|still|any ?more|latest|most recent)\b/i;
const PAST_CUES = /\b(did|didn't|was|wasn't|were|weren't|went|had|used to|ago|last|yesterday|before|earlier|previously|first|originally|once|when)\b|\b(?:19|20)\d{2}\b/i;
// not has/have: "What has she painted?" (present perfect) asks about past experiences
const PRESENT_TENSE = /\b(is|isn't|are|aren't|am|do|don't|does|doesn't)\b|\w(?:'s|’s|'re|’re|'m|’m)\b/i;

/**
 * Does the question ask about how things are now ("Where do I live?", "What's my current job?")
 * rather than about the past ("When did…", "What did she paint last May?", "What has she painted?")? Only then does a newer
 * memory deserve a head start over an older one on the same subject: a question about the past must
 * not have its only matching memory buried for being old. English cues: explicit present markers win;
 * then any past marker (a past auxiliary, "when", "ago", a year) means the past; then a present-tense
 * verb means the present.
 */
export function asksAboutPresent(question: string): boolean {
  if (PRESENT_CUES.test(question)) return true;
  if (PAST_CUES.test(question)) return false;
  return PRESENT_TENSE.test(question);
}

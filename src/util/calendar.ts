import * as fs from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fileStamp } from './fileStamp';
import { fromDayNumber, listDates, toDayNumber, weekdayOf } from './dates';

/**
 * A Deephaven business calendar, read from its XML file (the format `deephaven.calendar` and DHE installations use:
 * `<calendar>` with `name`, `timeZone`, `default` (business hours and `weekend` days), optional `firstValidDate` and
 * `lastValidDate`, and `holiday` entries; a holiday with business hours is a shortened day, still a business day).
 */
export interface BusinessCalendar {
  file: string;
  name: string;
  description?: string;
  timeZone: string;
  /** The range the calendar is valid for (`YYYY-MM-DD`), when the file says. */
  firstValid?: string;
  lastValid?: string;
  /** Weekend days, 0 = Sunday … 6 = Saturday. */
  weekend: ReadonlySet<number>;
  /** Full holidays (no business hours), `YYYY-MM-DD`. */
  holidays: ReadonlySet<string>;
  /** Shortened days (a holiday entry with business hours): business days. */
  shortDays: ReadonlySet<string>;
}

const DAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/** `YYYY-MM-DD` or `YYYYMMDD` (both appear in Deephaven's calendar files) as `YYYY-MM-DD`, or undefined. */
function calendarDate(v: unknown): string | undefined {
  const s = String(v ?? '').trim();
  const iso = /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : s;
  const day = toDayNumber(iso);
  return day === undefined ? undefined : fromDayNumber(day);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() || undefined : typeof v === 'number' ? String(v) : undefined);

/** Parses a calendar file's text; `error` says what is wrong (with the line and column for malformed XML). */
export function parseCalendar(xml: string, file: string): { calendar: BusinessCalendar } | { error: string } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { error: `not valid XML at ${valid.err.line}:${valid.err.col}: ${valid.err.msg}` };
  const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => ['holiday', 'weekend', 'businessTime', 'businessPeriod'].includes(name) }).parse(xml) as Record<string, unknown>;
  const root = doc.calendar as Record<string, unknown> | undefined;
  if (!root || typeof root !== 'object') {
    const top = Object.keys(doc).find((k) => !k.startsWith('?'));
    return { error: `not a Deephaven business calendar: the root element is <${top ?? 'nothing'}>, not <calendar>` };
  }
  const name = text(root.name);
  const timeZone = text(root.timeZone);
  // An empty <default/> (no business hours, no weekend days) parses as ''.
  const def = root.default === '' ? {} : (root.default as Record<string, unknown> | undefined);
  for (const [tag, v] of [['name', name], ['timeZone', timeZone], ['default', def]] as const) if (!v) return { error: `not a Deephaven business calendar: no <${tag}> in <calendar>` };
  const weekend = new Set<number>();
  for (const w of (def!.weekend as unknown[] | undefined) ?? []) {
    const i = DAY_NAMES.indexOf(String(w).trim().toUpperCase());
    if (i < 0) return { error: `<weekend>${String(w)}</weekend> is not a day of the week` };
    weekend.add(i);
  }
  const range: { firstValid?: string; lastValid?: string } = {};
  for (const [tag, key] of [['firstValidDate', 'firstValid'], ['lastValidDate', 'lastValid']] as const) {
    if (root[tag] === undefined) continue;
    const d = calendarDate(root[tag]);
    if (!d) return { error: `<${tag}>${String(root[tag])}</${tag}> is not a date (YYYY-MM-DD or YYYYMMDD)` };
    range[key] = d;
  }
  if (range.firstValid && range.lastValid && range.firstValid > range.lastValid) return { error: `<firstValidDate> ${range.firstValid} is after <lastValidDate> ${range.lastValid}` };
  const holidays = new Set<string>();
  const shortDays = new Set<string>();
  for (const h of (root.holiday as unknown[] | undefined) ?? []) {
    const entry = (h ?? {}) as Record<string, unknown>;
    const d = calendarDate(entry.date);
    if (!d) return { error: `a <holiday> whose <date> ${JSON.stringify(entry.date ?? null)} is not a date (YYYY-MM-DD or YYYYMMDD)` };
    (entry.businessTime || entry.businessPeriod ? shortDays : holidays).add(d);
  }
  return { calendar: { file, name: name!, ...(text(root.description) ? { description: text(root.description) } : {}), timeZone: timeZone!, ...range, weekend, holidays, shortDays } };
}

/** Parsed calendars by file, while the file is unchanged: a config is validated at every keystroke. */
const parsed = new Map<string, { stamp: string; result: { calendar: BusinessCalendar } | { error: string } }>();

/** Reads and parses a calendar file (again only when its size or time changed); `error` names what went wrong. */
export function readCalendar(file: string): { calendar: BusinessCalendar } | { error: string } {
  let xml: string;
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = fileStamp(st);
    const hit = parsed.get(file);
    if (hit?.stamp === stamp) return hit.result;
    xml = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a folder, not a file' : (e as Error).message };
  }
  const result = parseCalendar(xml, file);
  if (parsed.size >= 16) parsed.delete(parsed.keys().next().value!);
  parsed.set(file, { stamp, result });
  return result;
}

/** The dates a config asks for: a range (weekends skipped or not) or a list, less exclusions and calendar days off. */
export interface DateSpec {
  start: string;
  end: string;
  weekdays_only: boolean;
  /** Explicit dates instead of the range (sorted; start and end are its first and last). */
  list?: readonly string[];
  exclude?: readonly string[];
  calendar?: BusinessCalendar;
}

export interface PlannedDates {
  dates: string[];
  /** Days of the range or list that the calendar (weekend days, holidays) or the exclusions took out. */
  skipped: { date: string; why: 'weekend' | 'holiday' | 'excluded' }[];
}

export function planDates(spec: DateSpec): PlannedDates {
  const excluded = new Set(spec.exclude ?? []);
  const candidates = spec.list ? [...spec.list] : listDates(spec.start, spec.end, spec.weekdays_only && !spec.calendar);
  const dates: string[] = [];
  const skipped: PlannedDates['skipped'] = [];
  for (const date of candidates) {
    const off = spec.calendar ? calendarSkip(spec.calendar, date) : undefined;
    if (off) skipped.push({ date, why: off });
    else if (excluded.has(date)) skipped.push({ date, why: 'excluded' });
    else dates.push(date);
  }
  return { dates, skipped };
}

function calendarSkip(cal: BusinessCalendar, date: string): 'weekend' | 'holiday' | undefined {
  if (cal.holidays.has(date)) return 'holiday';
  const day = toDayNumber(date);
  return day !== undefined && cal.weekend.has(weekdayOf(day)) ? 'weekend' : undefined;
}

/** What a calendar does to a range, in words (the editor's hover on `calendar`). */
export function describeCalendar(cal: BusinessCalendar, start: string, end: string): string {
  const weekdays = listDates(start, end, true);
  const holidays = weekdays.filter((d) => cal.holidays.has(d)).length;
  const short = [...cal.shortDays].filter((d) => d >= start && d <= end).length;
  const valid = cal.firstValid || cal.lastValid ? `valid ${cal.firstValid ?? '…'} to ${cal.lastValid ?? '…'}` : 'no valid range given';
  return `${cal.name} (${cal.timeZone}), ${valid}${cal.description ? `: ${cal.description}` : ''}. From ${start} to ${end} it skips ${holidays} of the ${weekdays.length} weekdays as holidays${short ? `; ${short} shortened day${short === 1 ? '' : 's'} kept` : ''}.`;
}

import * as path from 'node:path';
import { countDates, toDayNumber } from '../util/dates';
import { planDates, readCalendar, type BusinessCalendar } from '../util/calendar';
import { isObject, type ProblemCollector } from './problemCollector';

const isDate = (v: unknown): v is string => typeof v === 'string' && toDayNumber(v) !== undefined;

/**
 * The `dates` section's rules: a range or a list (not both, not neither), real dates, no date twice in a list, a
 * calendar file that is one and covers the dates, exclusions that exclude something. Returns how many dates the plan
 * will have (0 when it cannot be known).
 */
export function dateProblems(ctx: ProblemCollector, raw: Record<string, unknown>, configFile: string): number {
  const dates = isObject(raw.dates) ? raw.dates : undefined;
  if (!dates) return 0;
  for (const k of ['start', 'end'] as const) {
    const v = dates[k];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !isDate(v)) ctx.add({ severity: 'error', code: 'date', path: ['dates', k], on: 'value', message: `\`dates.${k}\` is not a calendar date: ${v}` });
  }
  const list = Array.isArray(dates.list) ? dates.list : undefined;
  if (list && (dates.start !== undefined || dates.end !== undefined)) {
    ctx.add({ severity: 'error', code: 'date', path: ['dates', 'list'], on: 'key', message: 'give either `list` or `start` and `end`, not both' });
    return 0;
  }
  if (!list) {
    const missing = (['start', 'end'] as const).filter((k) => dates[k] === undefined);
    for (const k of missing) ctx.add({ severity: 'error', code: 'missing-key', path: ['dates', k], on: 'key', message: `missing required key \`${k}\` in \`dates\` (or give a \`list\` of dates instead)`, data: { key: k }, anchor: ['dates'] });
    if (missing.length) return 0;
  }
  const listOk = list ? listProblems(ctx, list) : true;
  if (!listOk) return 0;
  const { start, end } = list ? { start: [...list].sort()[0] as string, end: [...list].sort()[list.length - 1] as string } : { start: dates.start, end: dates.end };
  if (!isDate(start) || !isDate(end)) return 0;
  if (!list && end < start) {
    ctx.add({ severity: 'error', code: 'date', path: ['dates', 'end'], on: 'value', message: `\`dates.end\` (${end}) is before \`dates.start\` (${start})` });
    return 0;
  }
  const calendar = typeof dates.calendar === 'string' ? calendarProblems(ctx, dates, configFile, start, end, Boolean(list)) : undefined;
  if (calendar === null) return 0;
  const exclude = Array.isArray(dates.exclude) ? dates.exclude : [];
  const weekdaysOnly = dates.weekdays_only === true;
  if (!calendar && !list && exclude.length === 0) {
    const n = countDates(start, end, weekdaysOnly);
    if (n === 0) ctx.add({ severity: 'error', code: 'date', path: ['dates'], on: 'key', message: `no dates to run: ${start} to ${end} holds only weekend days and \`weekdays_only\` is true` });
    return n;
  }
  const spec = { start, end, weekdays_only: weekdaysOnly, ...(list ? { list: list as string[] } : {}), ...(calendar ? { calendar } : {}) };
  const planned = new Set(planDates(spec).dates);
  exclude.forEach((d, i) => {
    if (isDate(d) && !planned.has(d)) ctx.add({ severity: 'warning', code: 'date', path: ['dates', 'exclude', i], on: 'value', message: `${d} is not one of the planned dates${calendar ? ' (outside the range, or a day the calendar skips)' : ''}: excluding it changes nothing` });
  });
  // The plan less the exclusions that are in it (planned once).
  const n = planned.size - new Set(exclude.filter((d): d is string => isDate(d) && planned.has(d))).size;
  if (n === 0) ctx.add({ severity: 'error', code: 'date', path: ['dates'], on: 'key', message: 'no dates to run: every date is excluded or a day off in the calendar' });
  return n;
}

/** Real dates, none twice (the second is the error). */
function listProblems(ctx: ProblemCollector, list: unknown[]): boolean {
  let ok = true;
  const seen = new Map<string, number>();
  list.forEach((d, i) => {
    if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return void (ok = false); // the schema says why
    if (!isDate(d)) {
      ok = false;
      return ctx.add({ severity: 'error', code: 'date', path: ['dates', 'list', i], on: 'value', message: `\`dates.list[${i}]\` is not a calendar date: ${d}` });
    }
    if (seen.has(d)) {
      ok = false;
      return ctx.add({ severity: 'error', code: 'date', path: ['dates', 'list', i], on: 'value', message: `${d} is in \`dates.list\` twice (first as item ${seen.get(d)! + 1})` });
    }
    seen.set(d, i);
  });
  return ok;
}

/** The calendar, read and checked against the dates; null when it cannot be used (the problem says why). */
function calendarProblems(ctx: ProblemCollector, dates: Record<string, unknown>, configFile: string, start: string, end: string, isList: boolean): BusinessCalendar | null {
  const file = path.resolve(path.dirname(configFile), dates.calendar as string);
  const read = readCalendar(file);
  if ('error' in read) {
    ctx.add({ severity: 'error', code: 'calendar', path: ['dates', 'calendar'], on: 'value', message: `calendar ${file}: ${read.error}` });
    return null;
  }
  const cal = read.calendar;
  let inRange = true;
  if (cal.firstValid && start < cal.firstValid) {
    inRange = false;
    ctx.add({ severity: 'error', code: 'calendar', path: isList ? ['dates', 'list'] : ['dates', 'start'], on: isList ? 'key' : 'value', message: `${start} is before the calendar ${cal.name} is valid (from ${cal.firstValid})`, ...(isList ? {} : { data: { suggestion: cal.firstValid } }) });
  }
  if (cal.lastValid && end > cal.lastValid) {
    inRange = false;
    ctx.add({ severity: 'error', code: 'calendar', path: isList ? ['dates', 'list'] : ['dates', 'end'], on: isList ? 'key' : 'value', message: `${end} is after the calendar ${cal.name} is valid (to ${cal.lastValid})`, ...(isList ? {} : { data: { suggestion: cal.lastValid } }) });
  }
  if (dates.weekdays_only === true) ctx.add({ severity: 'warning', code: 'calendar', path: ['dates', 'weekdays_only'], on: 'key', message: `\`weekdays_only\` is redundant with a calendar: the calendar ${cal.name} decides the days off (its weekend days and holidays)` });
  return inRange ? cal : null;
}

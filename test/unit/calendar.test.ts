import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeCalendar, parseCalendar, planDates, readCalendar } from '../../src/util/calendar';
import { listDates } from '../../src/util/dates';
import { buildPlan } from '../../src/plan/plan';
import { formatPlanText } from '../../src/report/plan';
import { analyze, BATCH_CONFIG, edit, tempProject, underlined } from '../helpers/configs';
import { applyEdits, fixesFor } from '../../src/config/fixes';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/calendars/TEST_NYSE.calendar');
const XML = fs.readFileSync(FIXTURE, 'utf8');

/** A project holding the test calendar, and a config whose dates section is `dates`. */
function project(dates: string, files: Record<string, string> = {}) {
  const dir = tempProject({ 'worker.py': 'print("hi")\n', 'cal/TEST_NYSE.calendar': XML, ...files });
  const text = edit(BATCH_CONFIG, 'dates:\n  start: "2024-01-01"\n  end: "2024-01-31"\n  weekdays_only: true\n', `dates:\n${dates}`);
  return { dir, text, r: analyze(text, { dir }) };
}

describe('business calendars (dates.calendar)', () => {
  it('reads a Deephaven calendar file: name, time zone, valid range, weekend days, full holidays and shortened days', () => {
    const read = readCalendar(FIXTURE);
    assert.ok('calendar' in read, JSON.stringify(read));
    const c = read.calendar;
    assert.equal(c.name, 'TEST_NYSE');
    assert.equal(c.timeZone, 'America/New_York');
    assert.deepEqual([c.firstValid, c.lastValid], ['2022-01-01', '2025-12-31']);
    assert.deepEqual([...c.weekend].sort(), [0, 6]);
    assert.ok(c.holidays.has('2022-01-17') && c.holidays.has('2024-07-04'), 'dates written YYYYMMDD and YYYY-MM-DD');
    assert.ok(c.shortDays.has('2024-12-24') && !c.holidays.has('2024-12-24'), 'a holiday with business hours is a shortened day');
  });

  it('a multi-year plan is exactly the weekdays minus the file\'s full holidays (shortened days and weekend holidays as they should be)', () => {
    // Independently of the parser: the file's full holidays read with a regex (entries without business hours).
    const full = new Set([...XML.matchAll(/<holiday><date>(\d{4}-?\d{2}-?\d{2})<\/date><\/holiday>/g)].map((m) => m[1].replace(/^(\d{4})-?(\d{2})-?(\d{2})$/, '$1-$2-$3')));
    assert.equal(full.size, 42);
    const expected = listDates('2022-01-01', '2025-12-31', true).filter((d) => !full.has(d));
    const { r } = project('  start: "2022-01-01"\n  end: "2025-12-31"\n  calendar: "cal/TEST_NYSE.calendar"\n');
    assert.deepEqual(r.problems, []);
    const plan = buildPlan(r.config!, '');
    assert.deepEqual(plan.dates, expected);
    assert.equal(plan.dates.length, 1043 - 40, '1,043 weekdays; two of the 42 holidays fall on weekends');
    assert.ok(plan.dates.includes('2024-12-24'), 'a shortened day is planned');
  });

  it('the dry run names the calendar and lists the holidays it skipped in the range', () => {
    const { r } = project('  start: "2024-06-01"\n  end: "2024-07-31"\n  calendar: "cal/TEST_NYSE.calendar"\n');
    const text = formatPlanText(buildPlan(r.config!, ''));
    assert.match(text, /dates\s+2024-06-01 to 2024-07-31, business days of TEST_NYSE \(America\/New_York\): 41 dates/);
    assert.match(text, /skipped \(holidays in TEST_NYSE\): 2024-06-19, 2024-07-04/);
  });

  it('a file that is not a calendar is an error at the calendar value naming the file and what is wrong', () => {
    for (const [content, why] of [
      ['<calendar><name>X</name>', /not valid XML at \d+:\d+/],
      ['<holidays><day>2024-01-01</day></holidays>', /not a Deephaven business calendar: the root element is <holidays>, not <calendar>/],
      ['<calendar><name>X</name><default><weekend>Caturday</weekend></default><timeZone>UTC</timeZone></calendar>', /<weekend>Caturday<\/weekend> is not a day of the week/],
    ] as const) {
      const { text, r } = project('  start: "2024-01-01"\n  end: "2024-01-31"\n  calendar: "bad.calendar"\n', { 'bad.calendar': content });
      const p = r.problems.find((x) => x.code === 'calendar');
      assert.ok(p, `a problem for ${content}`);
      assert.equal(underlined(text, p), '"bad.calendar"');
      assert.match(p.message, /bad\.calendar: /);
      assert.match(p.message, why);
      assert.equal(r.config, undefined);
    }
    const missing = project('  start: "2024-01-01"\n  end: "2024-01-31"\n  calendar: "nope.calendar"\n').r.problems;
    assert.match(missing[0].message, /nope\.calendar: the file does not exist/);
  });

  it('a range outside the calendar\'s valid range is an error at dates.start / dates.end; weekdays_only with a calendar is a warning', () => {
    const { text, r } = project('  start: "2021-12-01"\n  end: "2026-01-05"\n  weekdays_only: true\n  calendar: "cal/TEST_NYSE.calendar"\n');
    const start = r.problems.find((p) => p.path.join('.') === 'dates.start')!;
    const end = r.problems.find((p) => p.path.join('.') === 'dates.end')!;
    assert.equal(underlined(text, start), '"2021-12-01"');
    assert.match(start.message, /before the calendar TEST_NYSE is valid \(from 2022-01-01\)/);
    assert.match(end.message, /after the calendar TEST_NYSE is valid \(to 2025-12-31\)/);
    const redundant = r.problems.find((p) => p.path.join('.') === 'dates.weekdays_only')!;
    assert.equal(redundant.severity, 'warning');
    assert.match(redundant.message, /redundant with a calendar/);
  });

  it('the hover on `calendar` names it, its time zone and valid range, and how many of the range\'s weekdays it skips', () => {
    const read = readCalendar(FIXTURE);
    assert.ok('calendar' in read);
    assert.equal(describeCalendar(read.calendar, '2024-01-01', '2024-12-31'), 'TEST_NYSE (America/New_York), valid 2022-01-01 to 2025-12-31: Test calendar modelled on the New York Stock Exchange, 2022-2025. From 2024-01-01 to 2024-12-31 it skips 10 of the 262 weekdays as holidays; 3 shortened days kept.');
  });

  it('quick fixes: a range past the calendar moves to its valid range; weekdays_only beside a calendar goes', () => {
    const { dir, text, r } = project('  start: "2021-12-01"\n  end: "2026-01-05"\n  weekdays_only: true\n  calendar: "cal/TEST_NYSE.calendar"\n');
    let fixed = text;
    for (const key of ['dates.start', 'dates.end', 'dates.weekdays_only']) {
      const again = analyze(fixed, { dir });
      const p = again.problems.find((x) => x.path.join('.') === key)!;
      const [fix] = fixesFor(p, again.parsed);
      assert.ok(fix?.preferred, `a fix for ${key}`);
      fixed = applyEdits(fixed, fix.edits);
    }
    assert.equal(r.problems.length, 3);
    assert.match(fixed, /start: "2022-01-01"\n  end: "2025-12-31"\n  calendar:/);
    assert.deepEqual(analyze(fixed, { dir }).problems, []);
  });

  it('parses either date form and refuses a holiday with a bad date', () => {
    const bad = parseCalendar('<calendar><name>X</name><timeZone>UTC</timeZone><default/><holiday><date>2024-02-30</date></holiday></calendar>', 'x');
    assert.ok('error' in bad && /2024-02-30/.test(bad.error));
  });
});

describe('date lists and exclusions (dates.list, dates.exclude)', () => {
  it('a list runs its dates in date order; a date twice is an error at the second', () => {
    const { r } = project('  list: ["2024-03-15", "2024-01-05", "2024-02-09"]\n');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(buildPlan(r.config!, '').dates, ['2024-01-05', '2024-02-09', '2024-03-15']);
    const dup = project('  list: ["2024-03-15", "2024-01-05", "2024-03-15"]\n');
    const p = dup.r.problems.find((x) => x.code === 'date')!;
    assert.match(p.message, /2024-03-15 is in `dates.list` twice \(first as item 1\)/);
    assert.equal(dup.text.slice(0, p.start).split('\n').pop()!.length, dup.text.split('\n').find((l) => l.includes('list:'))!.lastIndexOf('"2024-03-15"'), 'underlined at the second one');
  });

  it('a list and a range together, or neither, are errors', () => {
    assert.match(project('  start: "2024-01-01"\n  end: "2024-01-05"\n  list: ["2024-01-02"]\n').r.problems[0].message, /either `list` or `start` and `end`/);
    const neither = project('  weekdays_only: true\n').r.problems.map((p) => p.message);
    assert.ok(neither.some((m) => /missing required key `start`/.test(m)) && neither.some((m) => /missing required key `end`/.test(m)), neither.join('\n'));
  });

  it('exclude takes dates out of a range or a list; an excluded date outside the plan is a warning, and the dry run lists the exclusions', () => {
    const { text, r } = project('  start: "2024-01-01"\n  end: "2024-01-05"\n  exclude: ["2024-01-03", "2024-02-01"]\n');
    assert.deepEqual(r.problems.map((p) => [p.severity, underlined(text, p)]), [['warning', '"2024-02-01"']]);
    const plan = buildPlan(r.config!, '');
    assert.deepEqual(plan.dates, ['2024-01-01', '2024-01-02', '2024-01-04', '2024-01-05']);
    assert.match(formatPlanText(plan), /skipped \(dates.exclude\): 2024-01-03/);
    const withCal = project('  list: ["2024-07-03", "2024-07-04", "2024-07-05"]\n  exclude: ["2024-07-05"]\n  calendar: "cal/TEST_NYSE.calendar"\n');
    assert.deepEqual(withCal.r.problems, []);
    assert.deepEqual(planDates(withCal.r.config!.dates).dates, ['2024-07-03'], 'the holiday skipped, the exclusion excluded, the half day kept');
  });

  it('a calendar is read and parsed once while its file is unchanged (validation runs at every keystroke), again once it changes', () => {
    const dir = tempProject({ 'worker.py': 'print("hi")\n', 'cal/TEST_NYSE.calendar': XML });
    const file = path.join(dir, 'cal', 'TEST_NYSE.calendar');
    const first = readCalendar(file);
    assert.equal(readCalendar(file), first, 'the same parse, not a second one');
    // Two analyses of a config with a calendar (its rules and its build) share it too.
    const text = edit(BATCH_CONFIG, 'weekdays_only: true', 'calendar: "cal/TEST_NYSE.calendar"');
    const a = analyze(text, { dir });
    assert.equal(a.config?.dates.calendar, (first as { calendar: unknown }).calendar);
    fs.writeFileSync(file, XML.replace('<name>TEST_NYSE</name>', '<name>TEST_NYSE2</name>'));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const changed = readCalendar(file);
    assert.notEqual(changed, first);
    assert.equal('calendar' in changed && changed.calendar.name, 'TEST_NYSE2');
  });
});

/** Calendar dates as `YYYY-MM-DD` strings, computed in UTC so no time zone can shift a day. */
const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a real calendar date, or undefined (2024-02-30 is not a date). */
export function toDayNumber(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999, so 0001-01-01 would become 1901.
  const back = new Date(0);
  back.setUTCFullYear(y, mo - 1, d);
  const ms = back.getTime();
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return Math.round(ms / DAY_MS);
}

export function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function isWeekend(day: number): boolean {
  const w = weekdayOf(day);
  return w === 0 || w === 6;
}

/** Every date from start to end inclusive, weekends skipped when asked. */
export function listDates(start: string, end: string, weekdaysOnly: boolean): string[] {
  const a = toDayNumber(start);
  const b = toDayNumber(end);
  if (a === undefined || b === undefined) return [];
  const out: string[] = [];
  for (let d = a; d <= b; d++) if (!weekdaysOnly || !isWeekend(d)) out.push(fromDayNumber(d));
  return out;
}

/** How many dates listDates would return, without listing them. */
export function countDates(start: string, end: string, weekdaysOnly: boolean): number {
  const a = toDayNumber(start);
  const b = toDayNumber(end);
  if (a === undefined || b === undefined || b < a) return 0;
  const total = b - a + 1;
  if (!weekdaysOnly) return total;
  const fullWeeks = Math.floor(total / 7);
  let count = fullWeeks * 5;
  for (let d = a + fullWeeks * 7; d <= b; d++) if (!isWeekend(d)) count++;
  return count;
}

export function compactDate(date: string): string {
  return date.replace(/-/g, '');
}

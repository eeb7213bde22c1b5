import type { Io } from './io';

/**
 * Colour for a terminal: on when stderr is a TTY, off with NO_COLOR (any value) or when not a TTY, forced on with
 * FORCE_COLOR (any value but 0 or false). See no-color.org.
 */
export function colourOn(io: Pick<Io, 'env' | 'isTTY'>): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.isTTY;
}

export interface Painter {
  red(text: string): string;
  yellow(text: string): string;
  /** An ERROR or WARNING log line, its level word coloured. */
  level(level: string, line: string): string;
  /** A problem line (`file:line:col  error  message`), its severity coloured. */
  problem(line: string): string;
}

export function painter(io: Pick<Io, 'env' | 'isTTY'>): Painter {
  const on = colourOn(io);
  const wrap = (code: number) => (t: string) => (on ? `\x1b[${code}m${t}\x1b[39m` : t);
  const red = wrap(31);
  const yellow = wrap(33);
  return {
    red,
    yellow,
    level: (level, line) => (!on ? line : level === 'ERROR' ? line.replace(' ERROR:', ` ${red('ERROR')}:`) : level === 'WARNING' ? line.replace(' WARNING:', ` ${yellow('WARNING')}:`) : line),
    problem: (line) => (on ? line.replace(/ {2}(error|warning) {2}/, (_m, sev: string) => `  ${sev === 'error' ? red(sev) : yellow(sev)}  `) : line),
  };
}

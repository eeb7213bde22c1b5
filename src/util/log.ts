/** The one set of log levels, from the engine's events to the CLI's lines and the editor's log channel. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export type LogFn = (level: LogLevel, message: string) => void;

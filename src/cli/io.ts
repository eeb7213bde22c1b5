/** The terminal as the CLI sees it; tests substitute their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  /** Where SIGINT/SIGTERM arrive; tests substitute their own emitter. */
  signals: NodeJS.EventEmitter;
}

import type { BackendName } from './types';
import type { Env } from './variables';

export interface AnalyzeOptions {
  /** Absolute path of the config file (relative paths inside resolve against its folder). */
  file: string;
  /** Variables for `${VAR}` expansion; defaults to process.env. */
  env?: Env;
  /** 'run': unset variables are errors. 'edit': they are warnings (the editor asks for them at run time). */
  purpose?: 'run' | 'edit';
  /** Overrides the config's backend (the CLI's --backend, the extension's setting). */
  backend?: BackendName;
  /** Injected for the editor, which may see unsaved files; defaults to the file system. */
  isFile?: (absPath: string) => boolean;
  /** Reads a worker script's text (for rules about what it does); injected for the editor's unsaved files. */
  readText?: (absPath: string) => string | undefined;
  /** Variables the face has stored values for (the editor's stored credentials): not reported as unset. */
  stored?: ReadonlySet<string>;
  /** Plans with more cells than this get a warning. */
  largePlanCells?: number;
}

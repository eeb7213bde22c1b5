/**
 * The environment a local worker starts from, before the cell's own variables: only what a Python process needs to
 * find itself, its packages, its locale and its temporary folder. Nothing else of the orchestrator's environment
 * reaches a worker (credentials such as DH_PASSWORD, cloud keys, tokens), and no value that is one of the config's
 * secrets, whatever the variable is called. PQO_WORKER_PASS_ENV (names separated by commas or spaces) adds variables
 * a user wants their local workers to see, such as a cloud profile name.
 */
export const WORKER_BASE_VARS: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TEMP', 'TMP',
  'PYTHONPATH', 'PYTHONHOME', 'PYTHONUSERBASE', 'PYTHONIOENCODING', 'PYTHONDONTWRITEBYTECODE', 'PYTHONWARNINGS',
  'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV', 'PYENV_ROOT', 'PYENV_VERSION', 'LD_LIBRARY_PATH',
  'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE',
  'SYSTEMROOT', 'COMSPEC', 'PATHEXT',
];
const BASE = new Set(WORKER_BASE_VARS);

export function workerBaseEnv(env: NodeJS.ProcessEnv, secrets: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const secret = new Set(secrets);
  const extra = new Set((env.PQO_WORKER_PASS_ENV ?? '').split(/[\s,]+/).filter(Boolean));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || secret.has(v)) continue;
    if (BASE.has(k) || k.startsWith('LC_') || extra.has(k)) out[k] = v;
  }
  return out;
}

/** The reaper needs even less: a PATH to find `cat`, `kill` and `rm`. */
export function reaperEnv(env: NodeJS.ProcessEnv, liveDir: string, tag: string): Record<string, string> {
  return { PATH: env.PATH ?? '/usr/bin:/bin', PQO_LIVE_DIR: liveDir, PQO_TAG_VALUE: tag };
}

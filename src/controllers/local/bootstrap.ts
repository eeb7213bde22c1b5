/**
 * Python run before the worker, in the same process: asks the kernel to kill this worker if the orchestrator dies
 * (even by kill -9), so no worker outlives its run; then runs the worker script as __main__ with its own argv and
 * sys.path, as `python3 worker.py` would.
 */
export const PYTHON_BOOTSTRAP = [
  'import sys, os',
  'try:',
  '    import ctypes, signal',
  '    ctypes.CDLL(None).prctl(1, signal.SIGKILL)',
  '    if os.getppid() != int(os.environ.get("PQO_PARENT_PID", os.getppid())): os._exit(137)',
  'except Exception:',
  '    pass',
  'os.environ.pop("PQO_PARENT_PID", None)',
  'sys.argv = sys.argv[1:]',
  'sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))',
  'import runpy',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
].join('\n');

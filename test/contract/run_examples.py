"""Runs every Deephaven example script (workers, table management, analysis) under plain Python 3 against the
stubs in ./stubs, as a persistent query runs them: the script's text compiled as "<string>", `db` and
`__PERSISTENT_QUERY_SERIAL_NUMBER` given, the cell's environment set. Writes what each run called to the JSON file
named by argv[1]; test/unit/contract.test.ts asserts on it.

A replay worker must return promptly (a query is Initializing until its script returns): the runner gives it a few
seconds without moving the clock, then moves the replay clock past the close, fires the table listeners and waits
for the worker to stop its own query.
"""
import datetime
import json
import os
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "stubs"))
EXAMPLES = os.path.join(HERE, "..", "..", "examples")

import bind_check  # noqa: E402
import pqo_contract  # noqa: E402
from deephaven import table_listener  # noqa: E402
from deephaven_enterprise.database import Database  # noqa: E402

NY = datetime.timezone(datetime.timedelta(hours=-5))
SERIAL = 987654
RETURN_WITHIN_S = 3.0
SYMBOLS = "AAPL,MSFT,GOOG,AMZN,META,NVDA,TSLA,JPM,XOM,JNJ,PG,KO,PEP,WMT,HD,BAC"


def ns_at(date, hhmmss):
    return int(datetime.datetime.fromisoformat(f"{date}T{hhmmss}").replace(tzinfo=NY).timestamp() * 1_000_000_000)


def run(example, script, env, db, replay_close=None, now=None):
    pqo_contract.CALLS.clear()
    pqo_contract.UNDOCUMENTED.clear()
    table_listener.LISTENERS.clear()
    pqo_contract.STATE["now_ns"] = now if now is not None else ns_at(env.get("SIMULATION_DATE", "2024-01-02"), "09:30:00")
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(env)
    path = os.path.join(EXAMPLES, example, script)
    with open(path, encoding="utf-8") as f:
        code_text = f.read()
    result = {"example": example, "script": script, "env": env, "error": None, "returned": False, "stoppedItself": False}
    scope = {"__name__": "__main__", "db": db, "__PERSISTENT_QUERY_SERIAL_NUMBER": SERIAL}

    def body():
        try:
            # A persistent query's script runs inside the query's ExecutionContext.
            with pqo_contract.ExecutionContextScope():
                exec(compile(code_text, "<string>", "exec"), scope)  # noqa: S102 (the point of the test)
            result["returned"] = True
        except BaseException:  # noqa: BLE001
            result["error"] = traceback.format_exc(limit=4)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(RETURN_WITHIN_S)
    if t.is_alive():
        result["error"] = result["error"] or f"the script did not return within {RETURN_WITHIN_S} s: a persistent query stays Initializing until it does"
    if replay_close is not None and result["returned"]:
        before = set(threading.enumerate())
        pqo_contract.STATE["now_ns"] = replay_close + 1_000_000_000
        for h in list(table_listener.LISTENERS):
            if not h.stopped:
                try:
                    # On the update graph's thread, in the context listen() captured.
                    with pqo_contract.ExecutionContextScope():
                        h.listener(None, False)
                except BaseException:  # noqa: BLE001
                    result["error"] = traceback.format_exc(limit=4)
        deadline = time.time() + 5
        for th in set(threading.enumerate()) - before:
            th.join(max(0.0, deadline - time.time()))
    calls = list(pqo_contract.CALLS)
    result["calls"] = calls
    result["undocumented"] = list(pqo_contract.UNDOCUMENTED)
    result["stoppedItself"] = any(c["api"] == "ControllerClient.stop_and_wait" and c["args"][:1] == [SERIAL] for c in calls)
    return result


def cell_env(sim, date, pid, n, extra):
    return {"SIMULATION_NAME": sim, "SIMULATION_DATE": date, "PARTITION_ID": str(pid), "NUM_PARTITIONS": str(n), "QUERY_NAME": f"pq_x_{sim}_{date.replace('-', '')}_{pid}", **extra}


def main(out_file):
    runs = []
    db = Database()  # one server for every example: results of different examples must not collide
    date = "2024-01-02"
    for example, script, mode, extra in [
        ("simple_worker_batch", "simple_worker_batch.py", "batch", {"ROWS": "10"}),
        ("simple_worker_replay", "simple_worker_replay.py", "replay", {"RUN_SECONDS": "60"}),
        ("trading_simulation_batch", "trading_simulation_batch.py", "batch", {"SYMBOLS": SYMBOLS, "TIME_ZONE": "America/New_York"}),
        ("trading_simulation_replay", "trading_simulation_replay.py", "replay", {"SYMBOLS": SYMBOLS, "TIME_ZONE": "America/New_York", "MARKET_CLOSE": "16:00:00"}),
    ]:
        n = 3
        close = ns_at(date, "16:00:00") if mode == "replay" else None
        if example == "simple_worker_replay":
            close = ns_at(date, "09:31:00")
        for pid in range(n):
            runs.append(run(example, script, cell_env("sweep_a", date, pid, n, extra), db, close))
        # The same cell again (a rerun): its partition is replaced, not duplicated and not an error.
        runs.append({**run(example, script, cell_env("sweep_a", date, 0, n, extra), db, close), "rerun": True})
        # The same example under another name: its own partitions.
        runs.append({**run(example, script, cell_env("sweep_b", date, 1, n, extra), db, close), "otherName": True})
        if "SYMBOLS" in extra:
            # More partitions than symbols: some partitions have none, and must not fail.
            runs.append({**run(example, script, cell_env("sweep_c", date, 19, 20, extra), db, close), "noSymbols": True})
    # A first run of a fresh table, many cells at once: each worker's first schema addition loses the race.
    for example, script, mode, extra in [
        ("simple_worker_batch", "simple_worker_batch.py", "batch", {"ROWS": "10"}),
        ("trading_simulation_batch", "trading_simulation_batch.py", "batch", {"SYMBOLS": SYMBOLS, "TIME_ZONE": "America/New_York"}),
    ]:
        fresh = Database()
        fresh.race_next = 2
        runs.append({**run(example, script, cell_env("race", date, 0, 3, extra), fresh), "schemaRace": True})
    for example in ("trading_simulation_batch", "trading_simulation_replay"):
        sim = "sweep_a"
        runs.append(run(example, "analyze_trading_results.py", {"SIMULATION": sim}, db))
        runs.append(run(example, "manage_user_tables.py", {"ACTION": "list"}, db))
    for example in ("trading_simulation_batch", "trading_simulation_replay"):
        runs.append(run(example, "manage_user_tables.py", {"ACTION": "delete"}, db))
    # Every call bound against deephaven-core's real signatures at each supported version (not the stubs').
    calls = [c for r in runs for c in r["calls"]]
    versions = list(bind_check.load()["versions"])
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump({"runs": runs, "versions": versions, "mismatches": bind_check.check(calls), "stubsBeyondCore": bind_check.missing_names(pqo_contract.DOCUMENTED)}, f)


if __name__ == "__main__":
    main(sys.argv[1])
    sys.stdout.flush()
    os._exit(0)  # a blocked script's thread must not keep the process alive

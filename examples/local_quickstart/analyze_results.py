"""Summarises the quickstart's results: P&L by date and by symbol.

Usage: python3 analyze_results.py [results_dir]
Exits 1 when a (date, partition) result is missing or a symbol is counted twice.
"""
import collections
import glob
import json
import os
import sys

results_dir = sys.argv[1] if len(sys.argv) > 1 else "results"
files = sorted(glob.glob(os.path.join(results_dir, "*.json")))
if not files:
    sys.exit(f"no results in {results_dir}")

by_date = collections.defaultdict(float)
by_symbol = collections.defaultdict(float)
trades = 0
seen = set()
partitions = collections.defaultdict(set)
for path in files:
    with open(path) as f:
        doc = json.load(f)
    partitions[doc["date"]].add(doc["partition"])
    for r in doc["results"]:
        key = (doc["date"], r["symbol"])
        if key in seen:
            sys.exit(f"{r['symbol']} on {doc['date']} was traded by two partitions")
        seen.add(key)
        by_date[doc["date"]] += r["pnl"]
        by_symbol[r["symbol"]] += r["pnl"]
        trades += r["trades"]

print(f"{len(files)} result files, {len(by_date)} dates, {len(by_symbol)} symbols, {trades} trades")
print("\nP&L by date")
for d in sorted(by_date):
    print(f"  {d}  {by_date[d]:>10.2f}   partitions {sorted(partitions[d])}")
print("\nP&L by symbol")
for s, v in sorted(by_symbol.items(), key=lambda kv: -kv[1]):
    print(f"  {s:<6} {v:>10.2f}")
print(f"\nTotal P&L {sum(by_date.values()):.2f}")

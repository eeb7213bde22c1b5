"""Summarise a trading simulation's results (run in a Deephaven console).

Reads the DailyPnL and Trades user tables the workers wrote (historical_table: the partitions written so far)
and builds, for one simulation:
  pnl_by_date     P&L per simulated date, all partitions together
  pnl_by_symbol   P&L per symbol over the whole run
  summary         total P&L, trading days, win rate, daily Sharpe ratio
  coverage        how many partitions reported per date (a gap means a failed cell)

Set SIMULATION (and RESULT_NAMESPACE if changed in the config) before running.
"""
import os

from deephaven import agg

RESULT_NAMESPACE = os.environ.get("RESULT_NAMESPACE", "MeanReversionReplay")
SIMULATION = os.environ.get("SIMULATION", "mr_replay")

daily = db.historical_table(RESULT_NAMESPACE, "DailyPnL").where(f"Simulation == `{SIMULATION}`")  # noqa: F821
trades = db.historical_table(RESULT_NAMESPACE, "Trades").where(f"Simulation == `{SIMULATION}`")  # noqa: F821

pnl_by_date = daily.view(["SimDate", "PnL", "Cost"]).sum_by(["SimDate"]).sort(["SimDate"])
pnl_by_symbol = daily.view(["Sym", "PnL", "Cost"]).sum_by(["Sym"]).sort_descending(["PnL"])
coverage = daily.agg_by([agg.count_distinct("Partitions = PartitionId"), agg.count_("Rows")], by=["SimDate"]).sort(["SimDate"])

# agg.count_where needs deephaven-core 0.38; DHE Grizzly ships 0.33: winning days are a 0/1 column, summed.
summary = pnl_by_date.update(["Win = PnL > 0 ? 1 : 0"]).agg_by(
    [
        agg.sum_("TotalPnL = PnL"),
        agg.sum_("TotalCost = Cost"),
        agg.count_("TradingDays"),
        agg.avg("MeanDaily = PnL"),
        agg.std("StdDaily = PnL"),
        agg.sum_("WinningDays = Win"),
    ]
).update([
    "WinRate = TradingDays > 0 ? WinningDays / (double) TradingDays : NULL_DOUBLE",
    "SharpeAnnual = StdDaily > 0 ? MeanDaily / StdDaily * Math.sqrt(252) : NULL_DOUBLE",
])

trade_counts = trades.agg_by([agg.count_("Trades"), agg.sum_("Shares = Qty")], by=["SimDate"]).sort(["SimDate"])
print(f"[INFO] {SIMULATION}: {pnl_by_date.size} dates, {pnl_by_symbol.size} symbols")

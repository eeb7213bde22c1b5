import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { Config } from '../../config/types';
import { loadPlan } from '../../plan/load';
import { RECORD_FILE } from '../../record/format';
import { latestRunState } from '../../record/replay';
import { listRuns, runsRoot } from '../../record/runs';
import { planPreview } from '../../session/cellOrder';
import { fileStamp } from '../../util/fileStamp';

type Newest = ReturnType<typeof latestRunState>;

/**
 * The forecast a config's CodeLens shows in its tooltip ("about 42 min at 100 at once, from run X ..."), learnt from
 * its newest recorded run. Worked out again only when what it depends on changed: the config as validated (not its
 * text: an edit to a comment or a blank line costs nothing), the worker script, or the newest run's record (a readdir
 * and two stats tell). The record is read only when it changed, never because the config did: while a value is typed,
 * the plan's hash no longer matches the record's, and that is known from the record already read.
 */
export class ForecastTips {
  private readonly cache = new Map<string, { key: string; text: string }>();
  /** The newest record as replayed, for which plan (the cells are the plan's), and its stamp when read. */
  private record: { stamp: string; replayedFor: string; newest: Newest } | undefined;

  tip(doc: vscode.TextDocument, config: Config): string {
    const root = runsRoot(doc.uri.fsPath, config.name);
    const newest = listRuns(root)[0];
    const stamp = `${root}|${newest ? stampOf(path.join(newest, RECORD_FILE)) : 'none'}`;
    const key = `${JSON.stringify(config)}|${stampOf(config.execution.worker_script)}|${stamp}`;
    const hit = this.cache.get(doc.uri.toString());
    if (hit?.key === key) return hit.text;
    const loaded = loadPlan(doc.uri.fsPath, { purpose: 'edit', text: doc.getText() });
    let text = '';
    if (loaded.kind === 'plan') {
      const hash = loaded.plan.hash;
      const r = this.record;
      // Replayed again only when the record changed, or when the config is back to the record's plan after the
      // record was replayed for another one; otherwise its header says "another config or script" at no cost.
      if (r?.stamp !== stamp || (r.newest?.rec.header.planHash === hash && r.replayedFor !== hash)) {
        this.record = { stamp, replayedFor: hash, newest: safeLatest(root, loaded.plan) };
      }
      text = `Forecast: ${planPreview(loaded.plan, root, this.record!.newest ?? NO_RUN).text}`;
    }
    this.cache.set(doc.uri.toString(), { key, text });
    return text;
  }
}

/** Stands for "no recorded run" so that planPreview does not look for one again. */
const NO_RUN = { rec: { header: { planHash: '' } }, state: undefined } as unknown as NonNullable<Newest>;

function safeLatest(root: string, plan: Parameters<typeof latestRunState>[1]): Newest {
  try {
    return latestRunState(root, plan);
  } catch {
    return undefined;
  }
}

function stampOf(file: string): string {
  try {
    return fileStamp(fs.statSync(file));
  } catch {
    return 'none';
  }
}

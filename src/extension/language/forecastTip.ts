import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { loadPlan } from '../../plan/load';
import { RECORD_FILE } from '../../record/format';
import { listRuns, runsRoot } from '../../record/runs';
import { planPreview } from '../../session/cellOrder';

/**
 * The forecast a config's CodeLens shows in its tooltip ("about 42 min at 100 at once, from run X ..."), learnt from
 * its newest recorded run. Worked out again only when the document or that run's record changed (a readdir and a
 * stat tell), never once per keystroke over a large record.
 */
export class ForecastTips {
  private readonly cache = new Map<string, { key: string; text: string }>();

  tip(doc: vscode.TextDocument, name: string): string {
    const root = runsRoot(doc.uri.fsPath, name);
    const newest = listRuns(root)[0];
    let stamp = 'none';
    if (newest) {
      try {
        const st = fs.statSync(path.join(newest, RECORD_FILE));
        stamp = `${newest}:${st.size}:${st.mtimeMs}`;
      } catch {
        /* a run folder without its record yet */
      }
    }
    const key = `${doc.version}|${name}|${stamp}`;
    const hit = this.cache.get(doc.uri.toString());
    if (hit?.key === key) return hit.text;
    const loaded = loadPlan(doc.uri.fsPath, { purpose: 'edit', text: doc.getText() });
    const text = loaded.kind === 'plan' ? `Forecast: ${planPreview(loaded.plan, root).text}` : '';
    this.cache.set(doc.uri.toString(), { key, text });
    return text;
  }
}

import { randomBytes } from 'node:crypto';
import type { GridData } from '../grid/model';
import { gridPage } from '../grid/page';
import type { Plan } from '../plan/plan';

/**
 * One self-contained HTML file for a CI job to attach: the grid of every cell (state, duration and attempt colours,
 * hover details), the concurrency strip and the run's summary. The drawing script is the editor panel's own bundle,
 * inline; a CSP with a nonce lets only it run and nothing be fetched.
 */
export function htmlReport(_plan: Plan, data: GridData, script: string): string {
  // Nothing is masked here: the details and summary were masked where their free text entered, and masking the page
  // would rewrite its data and script (a secret "false" broke the page).
  return gridPage({ title: data.title, nonce: randomBytes(16).toString('base64'), script: { inline: script }, data });
}

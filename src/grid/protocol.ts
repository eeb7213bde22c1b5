import type { GridData, GridPatch } from './model';

/**
 * The Run Grid's messages, one module for both sides (the editor's panel and the page's script): a field renamed
 * here fails to compile on both, instead of silently at run time.
 */

/** Host → page: the whole run once (again after the panel was hidden and shown), then patches of changed cells. */
export type ToPage = { type: 'init'; data: GridData } | { type: 'patch'; patch: GridPatch };

/** Page → host: ready for data, a click, a selection to rerun or copy, and what it drew (counts by state name). */
export type FromPage = { type: 'ready' } | { type: 'open'; cell: number } | { type: 'rerun'; cells: number[] } | { type: 'copy'; cells: number[] } | { type: 'rendered'; counts: Record<string, number> };

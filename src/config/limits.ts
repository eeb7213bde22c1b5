/** A plan above this many cells gets a warning: try a short range first. */
export const LARGE_PLAN_CELLS = 20_000;
/** What a config's aliases may expand to: far above any honest config, far below what hurts. */
export const MAX_EXPANDED_VALUES = 1_000_000;
/** A hard limit, checked before anything is allocated: a plan above it is refused. */
export const MAX_PLAN_CELLS = 1_000_000;

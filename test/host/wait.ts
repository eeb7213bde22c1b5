/** Polls `get` until it gives a value: a bound for a hang (the default, a minute), never a pace a test relies on. */
export async function waitFor<T>(get: () => T | undefined | false, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

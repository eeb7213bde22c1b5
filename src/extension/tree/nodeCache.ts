/**
 * The tree's nodes, one per id, so a refresh can name exactly the nodes that changed. A node cached for another view
 * of the run (a resumed run keeps its id but is a new view) is replaced, and a run that left the store is forgotten
 * so its nodes can be collected.
 */
export class NodeCache<N extends { id: string; run: { id: string } }> {
  private readonly nodes = new Map<string, N>();

  /** The cached node for `n`'s id if it belongs to the same run view, else `n`, cached from now on. */
  get<T extends N>(n: T): T {
    const had = this.nodes.get(n.id) as T | undefined;
    if (had && had.run === n.run) return had;
    this.nodes.set(n.id, n);
    return n;
  }

  forgetRun(runId: string): void {
    for (const [id, n] of this.nodes) if (n.run.id === runId) this.nodes.delete(id);
  }

  get size(): number {
    return this.nodes.size;
  }
}

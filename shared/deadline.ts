/**
 * A request that was not sent because the run reached its deadline (the pace refuses a turn that
 * would come after it). The E-HPC client classifies it as kind `deadline`, and the audit lists the
 * cluster as not evaluated rather than as a failure of the cluster.
 */
export class DeadlineReachedError extends Error {
  override readonly name = 'DeadlineReachedError';
  constructor() {
    super('not sent: the run reached its deadline');
  }
}

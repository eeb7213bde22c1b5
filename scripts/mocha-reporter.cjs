// Mocha's spec output, closed by the line CI reads: "<suite>: N passed, N failed".
'use strict';
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const name = (options.reporterOptions && options.reporterOptions.suite) || process.env.PQO_SUITE || 'tests';
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      // After Spec's own epilogue.
      setImmediate(() => Mocha.reporters.Base.consoleLog(`${name}: ${s.passes || 0} passed, ${s.failures || 0} failed${s.pending ? `, ${s.pending} skipped` : ''}`));
    });
  }
}
module.exports = SummaryReporter;

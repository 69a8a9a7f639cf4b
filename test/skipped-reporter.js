// @ts-check
// jest's own reporters, with one line per cause of the skipped tests after its summary ("Tests:
// 3 skipped, ..."), naming the suites that skipped for it, so that a run which judged less than it
// could says so at its end (a skipped test never counts as a pass). A skipped test's title names
// its cause (test/live-gate.ts). jest always puts its summary last after 'default', so this
// file stands for 'default': { part: 'progress' } is jest's default (or verbose) reporter,
// { part: 'summary' } its summary followed by the skips.
'use strict';

const path = require('path');
const { DefaultReporter, SummaryReporter, VerboseReporter } = require('@jest/reporters');

/**
 * One line per cause: "Skipped (not passed) in live-finding, live-repro: <cause>".
 * @param {{ testResults: Array<{ testFilePath: string, testResults: Array<{ status: string, title: string }> }> }} results
 */
function skipLines(results) {
  /** @type {Map<string, Set<string>>} */
  const causes = new Map();
  for (const file of results.testResults) {
    for (const t of file.testResults) {
      if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
      // "<what>: skipped, <why>": one cause, whichever suite skipped for it
      const cause = t.title.replace(/^[^:]*: skipped, /, '');
      if (!causes.has(cause)) causes.set(cause, new Set());
      /** @type {Set<string>} */ (causes.get(cause)).add(path.basename(file.testFilePath, '.test.ts'));
    }
  }
  return [...causes].map(([cause, suites]) => `Skipped (not passed) in ${[...suites].join(', ')}: ${cause}\n`);
}

class SummaryWithSkips extends SummaryReporter {
  /** @param {any} contexts @param {any} results */
  onRunComplete(contexts, results) {
    super.onRunComplete(contexts, results);
    for (const line of skipLines(results)) process.stderr.write(line);
  }
}

/**
 * @param {any} globalConfig
 * @param {{ part?: 'progress' | 'summary' }} options
 */
function Reporter(globalConfig, options) {
  if (options.part === 'summary') return new SummaryWithSkips(globalConfig, {});
  return globalConfig.verbose ? new VerboseReporter(globalConfig) : new DefaultReporter(globalConfig);
}

module.exports = Reporter;
module.exports.skipLines = skipLines;

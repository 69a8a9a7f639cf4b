// Type checking runs once, in `tsc --noEmit` (npm test); ts-jest only transpiles (isolatedModules).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // jest's default on 2 cores is one worker; the slow suites wait on child processes, so two
  // workers overlap them (measured: see README, Cost)
  maxWorkers: 2,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // jest's default reporters, and after its summary the cause of every skipped test (the live
  // suites skip without guest_memfd): jest puts its summary after every reporter, so not 'default'
  reporters: [['<rootDir>/test/skipped-reporter.js', { part: 'progress' }], ['<rootDir>/test/skipped-reporter.js', { part: 'summary' }]],
};

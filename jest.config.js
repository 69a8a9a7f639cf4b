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
};

const path = require('path');

/** Shared per-package jest config. Each package's jest.config.js is one line calling this. */
module.exports = (dir) => ({
  displayName: require(path.join(dir, 'package.json')).name,
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  // reflect-metadata must load before tsyringe (toolchain.md P1); resolve from the package (P2).
  setupFiles: [require.resolve('reflect-metadata', { paths: [dir] })],
  moduleNameMapper: { '^@mmsim/(.*)$': '<rootDir>/../$1/src' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }] },
});

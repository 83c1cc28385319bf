const base = require('../../jest.preset.js')(__dirname);

// Deep imports of @mmsim/core build output (modules core does not re-export yet) map to core's
// sources under jest, like the package-level mapping of the preset. Listed first so it wins.
module.exports = {
  ...base,
  moduleNameMapper: { '^@mmsim/core/dist/(.*)$': '<rootDir>/../core/src/$1', ...base.moduleNameMapper },
};

/** Root jest config: one project per package (see jest.preset.js). */
module.exports = { projects: ['<rootDir>/packages/*'] };

// Making a folder and the missing folders above it, one level at a time: plain JavaScript, as the
// TypeScript loader (transpile.js) needs it before any .ts file can load; the reports use it too.
'use strict';

const fs = require('fs');
const path = require('path');

/**
 * Makes the folder `dir` (`what` names it in an error) and any folders above it that are missing,
 * one at a time: Node 20's recursive mkdirSync never returns for a path under /proc. A part of the
 * path that is a file, or a folder the system will not make, is an error that names the folder.
 */
function makeFolder(/** @type {string} */ dir, what = `the folder ${dir}`) {
  const cannot = (/** @type {string} */ why) => new Error(`${what} cannot be made: ${why}`);
  /** @type {string[]} */
  const missing = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) {
    missing.unshift(at);
    at = path.dirname(at);
  }
  if (!fs.statSync(at).isDirectory()) throw cannot(`${at} is not a folder`);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // made meanwhile by another run is fine; a link to nothing is not a folder
      const made = /** @type {NodeJS.ErrnoException} */ (e).code === 'EEXIST' && fs.statSync(d, { throwIfNoEntry: false })?.isDirectory() === true;
      if (!made) throw cannot(/** @type {Error} */ (e).message);
    }
  }
}

module.exports = { makeFolder };

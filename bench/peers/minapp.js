'use strict';
const PKG = 'minapp';
module.exports = {
  name: PKG, short: 'minapp',
  version: () => '?',
  unsupported: 'not wired into the simulator yet',
};

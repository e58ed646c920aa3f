'use strict';
const PKG = 'authing';
module.exports = {
  name: PKG, short: 'authing',
  version: () => '?',
  unsupported: 'not wired into the simulator yet',
};

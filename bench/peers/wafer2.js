'use strict';
const PKG = 'wafer2';
module.exports = {
  name: PKG, short: 'wafer2',
  version: () => '?',
  unsupported: 'not wired into the simulator yet',
};

'use strict';
const PKG = 'cloudbase';
module.exports = {
  name: PKG, short: 'cloudbase',
  version: () => '?',
  unsupported: 'not wired into the simulator yet',
};

'use strict';
const PKG = 'supabase';
module.exports = {
  name: PKG, short: 'supabase',
  version: () => '?',
  unsupported: 'not wired into the simulator yet',
};

'use strict';
// @cloudbase/js-sdk (app + auth, mini-program build): measured for size only so far. Running it needs bench backend routes for its
// cloud's login/refresh endpoints, which are not written yet.
const { peer } = require('./base.js');

module.exports = peer('cloudbase', '@cloudbase/js-sdk', {
  name: '@cloudbase/js-sdk (app + auth, mini-program build)',
  unsupported: 'not wired into the simulator yet (its cloud login endpoints need bench backend routes; size only)',
});

'use strict';
// minapp-sdk (知晓云): measured for size only so far. Running it needs bench backend routes for its
// cloud's login/refresh endpoints, which are not written yet.
const { peer } = require('./base.js');

module.exports = peer('minapp', 'minapp-sdk', {
  name: 'minapp-sdk (知晓云)',
  unsupported: 'not wired into the simulator yet (its cloud login endpoints need bench backend routes; size only)',
});

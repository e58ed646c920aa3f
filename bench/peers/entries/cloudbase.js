// @cloudbase/js-sdk v3, mini-program build: the app core and the auth module.
var cloudbase = require('../../node_modules/@cloudbase/js-sdk/miniprogram_dist/app/index.js');
require('../../node_modules/@cloudbase/js-sdk/miniprogram_dist/auth/index.js');
module.exports = cloudbase;

// @cloudbase/js-sdk v3, mini-program build: the app core and the auth module, registered
// as its modular import does (registerAuth; outside a browser there is no global
// `cloudbase` for the module to register itself with).
var app = require('../../node_modules/@cloudbase/js-sdk/miniprogram_dist/app/index.js');
require('../../node_modules/@cloudbase/js-sdk/miniprogram_dist/auth/index.js').registerAuth(app.cloudbase);
module.exports = app;

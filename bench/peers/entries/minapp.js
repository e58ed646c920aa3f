// minapp-sdk (知晓云): its package entry, which sets up wx.BaaS.
module.exports = require('minapp-sdk');

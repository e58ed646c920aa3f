// wafer2-client-sdk: its package entry (login, request, Session, Tunnel).
module.exports = require('wafer2-client-sdk');

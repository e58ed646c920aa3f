// supabase-wechat-stable-v2: createClient (the whole client, which is what createClient loads).
module.exports = require('supabase-wechat-stable-v2');

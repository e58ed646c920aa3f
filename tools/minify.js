'use strict';
// Minifies the shipped JS in place (dist/index.js, the glue, text-codec.js) with terser:
// comments and whitespace go, local and module-level names are shortened; property
// names, string literals and the `require('./x.js')` calls WeChat's packager follows
// are kept. The output stays ES2015 (tests/dist checks it parses as such).
// Constants are not inlined into calls (reduce_vars/collapse_vars off), so index.js's
// indirect `nodeRequire(fsName)` never becomes a static require of a node module.
// Usage: node tools/minify.js <file.js>...
const fs = require('fs');
const { minify } = require('terser');

const OPTIONS = {
  ecma: 2015,
  module: false,
  compress: { ecma: 2015, passes: 2, reduce_vars: false, collapse_vars: false },
  mangle: { toplevel: true },
  format: { comments: false, ecma: 2015 },
};

async function main(files) {
  for (const file of files) {
    const result = await minify(fs.readFileSync(file, 'utf8'), OPTIONS);
    if (typeof result.code !== 'string') throw new Error(`minify: no output for ${file}`);
    fs.writeFileSync(file, result.code);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exit(1);
});

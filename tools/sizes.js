'use strict';
// Prints the size of the shipped files: raw, gzip -9 and brotli -q 11, in bytes.
// Usage: node tools/sizes.js [dist]
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function sizes(file) {
  const raw = fs.readFileSync(file);
  return {
    raw: raw.length,
    gzip: zlib.gzipSync(raw, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

if (require.main === module) {
  const dir = process.argv[2] || 'dist';
  const rows = fs.readdirSync(dir).filter((f) => /\.(js|wasm)$/.test(f)).sort();
  console.log('file'.padEnd(16) + 'raw'.padStart(9) + 'gzip'.padStart(9) + 'brotli'.padStart(9));
  for (const f of rows) {
    const s = sizes(path.join(dir, f));
    console.log(f.padEnd(16) + String(s.raw).padStart(9) + String(s.gzip).padStart(9) + String(s.brotli).padStart(9));
  }
}
module.exports = { sizes };

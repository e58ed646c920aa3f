'use strict';
// Copies the package's mini-program files (package.json: the `files` under its
// `miniprogram` folder) into examples/miniprogram/miniprogram_npm/wx-auth/, which is
// where WeChat DevTools' "build npm" puts them when a developer installs the package.
// So the example's code is the same either way: require('wx-auth') and the wasmPath
// '/miniprogram_npm/wx-auth/wx_auth.wasm.br'. Run by `make dist`.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const from = path.join(root, pkg.miniprogram);
const to = path.join(root, 'examples/miniprogram/miniprogram_npm', pkg.name);
const files = pkg.files
  .filter((f) => path.dirname(f) === pkg.miniprogram)
  .map((f) => path.basename(f));
const missing = files.filter((f) => !fs.existsSync(path.join(from, f)));
if (missing.length) {
  console.error('example-sdk: ' + pkg.miniprogram + '/ lacks ' + missing.join(', ') + ' (run make dist)');
  process.exit(1);
}
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
console.log('example-sdk: ' + files.length + ' files → ' + path.relative(root, to) + '/');

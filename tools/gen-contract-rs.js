'use strict';
// Regenerates the case list of tests/contract.rs from tests/contract/cases.js.
// tests/contract.rs's every_js_case_has_a_test fails when the two differ.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const src = fs.readFileSync(path.join(root, 'tests/contract/cases.js'), 'utf8');
const names = [...src.matchAll(/^ {2}\['([^']+)', async/gm)].map((m) => m[1]);
const ident = (n) => n.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
const rows = names.map((n) => `    ${ident(n)} => "${n}",`).join('\n');
if (new Set(names.map(ident)).size !== names.length) throw new Error('two cases give the same test name');
const file = path.join(root, 'tests/contract.rs');
const rs = fs.readFileSync(file, 'utf8');
const out = rs.replace(/cases! \{\n[\s\S]*?\n\}\n/, `cases! {\n${rows}\n}\n`);
fs.writeFileSync(file, out);
console.log(names.length + ' cases');

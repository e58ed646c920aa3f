'use strict';
// Type-checks page.ts with tsc --strict against dist/index.d.ts and
// miniprogram-api-typings (must have no error), then each misuse below (each must be an
// error: the types would let nothing of it through). Prints `N passed, N failed`.
const fs = require('fs');
const os = require('os');
const path = require('path');
const ts = require('typescript');

const config = ts.getParsedCommandLineOfConfigFile(path.join(__dirname, 'tsconfig.json'), {}, Object.assign({}, ts.sys, { onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } }));
const PRELUDE = "import { createAuth, Auth, Scopes } from 'wx-auth';\ndeclare const auth: Auth;\n";
const MISUSES = {
  'a misspelt state kind': "if (auth.state.kind === 'logged_in') {}",
  'createAuth without wasmPath': "createAuth({ loginUrl: 'https://api.example.com/auth/login' });",
  'agreeing without the button id': 'auth.resolvePrivacy({ agree: true });',
  'an unknown scope': "const s: Scopes = { 'scope.teleport': true };",
  'reading a token from the state': 'const t: string = (auth.state as { token: string }).token; const u = auth.state.token;',
  'setProfile expecting a Promise': 'auth.setProfile({ nickName: "x" }).then(() => {});',
  'an unknown error code': "auth.login().catch((e: import('wx-auth').AuthError) => { if (e.code === 'TIMEOUT') {} });",
  'getSetting values are booleans': "auth.getSetting().then((s) => { const n: number = s['scope.camera']!; });",
  'a language the messages do not have': "import('wx-auth/messages').then((m) => m.errorMessage(new Error('x'), 'fr'));",
  'a kit launch without its root': "import('wx-auth/testing').then((k) => k.launch({ sim: {} }));",
  'a cloud option with both a function and a service': "createAuth({ wasmPath: '/a.wasm', loginUrl: '/auth/login', cloud: { function: 'wxauth', service: 'api' } });",
  'saveProfile used as synchronous': "const st: import('wx-auth').AuthState = auth.saveProfile({ nickName: 'x' });",
  'a kit route answering without a status': "import('wx-auth/testing').then((k) => k.createWxSim({ routes: { 'GET /a': () => ({ body: 1 }) } }));",
};

function diagnostics(files) {
  const program = ts.createProgram(files, config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? path.basename(d.file.fileName) + ':' + (d.file.getLineAndCharacterOfPosition(d.start).line + 1) + ' ' : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

const results = [];
function report(name, ok, detail) {
  results.push(ok);
  console.log((ok ? 'ok - ' : 'not ok - ') + name + (ok || !detail ? '' : '\n    ' + detail));
}

const clean = diagnostics(config.fileNames);
report('page.ts and kit.ts type-check (strict) against dist/index.d.ts and miniprogram-api-typings ' + require('miniprogram-api-typings/package.json').version, clean.length === 0, clean.join('\n    '));

// The TypeScript page in each README: its ```ts blocks, each opening with `// <file>`,
// written out as the files of a project and checked together.
for (const readme of ['README.zh-CN.md', 'README.md']) {
  const text = fs.readFileSync(path.join(__dirname, '../..', readme), 'utf8');
  const blocks = [...text.matchAll(/```ts\n\/\/ (\S+\.ts)\n([\s\S]*?)```/g)];
  const project = fs.mkdtempSync(path.join(__dirname, '.readme-'));
  try {
    const files = blocks.map(([, name, code]) => {
      const file = path.join(project, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, code);
      return file;
    });
    const errors = files.length ? diagnostics(files) : ['no ```ts blocks'];
    report(readme + "'s TypeScript page (" + blocks.map((b) => b[1]).join(', ') + ') type-checks', files.length >= 3 && errors.length === 0, errors.join('\n    '));
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

const dir = fs.mkdtempSync(path.join(__dirname, '.misuse-'));
try {
  for (const [name, code] of Object.entries(MISUSES)) {
    const file = path.join(dir, name.replace(/\W+/g, '-') + '.ts');
    fs.writeFileSync(file, PRELUDE + code + '\nexport {};\n');
    const errors = diagnostics([file]);
    report('rejected: ' + name, errors.length > 0, 'tsc accepted: ' + code);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log('typescript ' + ts.version);
console.log('types: ' + passed + ' passed, ' + (results.length - passed) + ' failed');
process.exit(passed === results.length ? 0 : 1);

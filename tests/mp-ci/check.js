'use strict';
// Offline structural check of examples/miniprogram with miniprogram-ci, the package
// WeChat's CI tooling is built on, and WXML compiled by the official wcc:
// - getCompiledResult (the project attributes faked so no server is asked): app.json
//   and every page's files exist, the JSON is valid, every JS file parses and compiles
//   (ES2015 → ES5 as on upload), WXML is minified (a broken tag fails it);
// - analyseCode: every page of app.json is in the module graph, with no errors;
// - wcc: every .wxml file compiles.
// Prints `N passed, N failed`.
const fs = require('fs');
const os = require('os');
const path = require('path');
const ci = require('miniprogram-ci');

const ROOT = path.resolve(__dirname, '../../examples/miniprogram');
const { test: check, summary } = require('../support/runner.js').createRunner(6);
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function wxmlFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'miniprogram_npm' ? [] : wxmlFiles(p);
    return d.name.endsWith('.wxml') ? [p] : [];
  });
}

async function main() {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  assert(fs.existsSync(path.join(ROOT, 'miniprogram_npm/wx-auth/index.js')), 'run make dist first (miniprogram_npm/wx-auth)');
  const project = new ci.Project({
    appid: JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8')).appid,
    type: 'miniProgram',
    projectPath: ROOT,
    privateKey: 'unused offline',
    ignores: ['node_modules/**/*', 'README.md'],
    attr: async () => JSON.parse(JSON.stringify(ci.DefaultProjectAttr)),
  });

  await check('getCompiledResult: the project compiles (pages, JSON, JS, minified WXML)', async () => {
    const zip = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-mpci-')), 'compiled.zip');
    const files = await ci.getCompiledResult({ project: project, setting: { es6: true, minifyWXML: true } }, zip);
    const names = Object.keys(files);
    for (const page of app.pages) {
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
        assert(names.some((n) => n.endsWith(page + ext)), 'compiled output lacks ' + page + ext + ' (has ' + names.length + ' files)');
      }
    }
    assert(names.some((n) => /miniprogram_npm\/wx-auth\/index\.js$/.test(n)), 'the SDK is not in the package');
    assert(names.some((n) => /app-service|app\.js$/.test(n)), 'no app.js in the output');
  });

  await check('analyseCode: every page of app.json and the privacy component are in the module graph, without errors', async () => {
    const result = await ci.analyseCode(project);
    const paths = result.files.map((f) => f.path);
    for (const page of app.pages) assert(paths.some((p) => p.indexOf(page + '.js') >= 0), page + '.js not analysed');
    assert(paths.some((p) => p.indexOf('components/privacy-popup/privacy-popup.js') >= 0), 'the privacy component is not analysed');
    const errors = (result.modules || []).flatMap((m) => (m.errors || []).map((e) => (m.path || m.id) + ': ' + JSON.stringify(e)));
    // None at all: the SDK's shim reaches node's fs through process.getBuiltinModule,
    // so DevTools has no dynamic require to warn about.
    assert(errors.length === 0, errors.join('\n'));
  });

  await check('wcc: every .wxml compiles', () => {
    const { execFileSync } = require('child_process');
    const compiler = path.dirname(require.resolve('miniprogram-compiler/package.json', { paths: [path.resolve(__dirname, '../pages')] }));
    const wcc = path.join(compiler, 'bin/linux/wcc');
    fs.chmodSync(wcc, 0o755);
    const files = wxmlFiles(ROOT).map((f) => './' + path.relative(ROOT, f));
    assert(files.length >= 4, 'found only ' + files.length + ' WXML files');
    execFileSync(wcc, ['-d'].concat(files), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  });

  process.exit(summary() ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

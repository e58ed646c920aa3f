'use strict';
// The package as a developer installs it, with no Rust anywhere: `npm pack` of this
// checkout (what `make package` writes), installed with npm into a fresh mini-program
// project, then miniprogram-ci's packNpm (DevTools' "build npm"), then the installed
// files run in the strict mini-program realm: login → request → logout.
// Prints `N passed, N failed`.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const ci = require('miniprogram-ci');
const { createRealm } = require('../support/mp-realm.js');

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const { test: check, summary } = require('../support/runner.js').createRunner(6);
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const npm = (args, cwd) => execFileSync('npm', args.concat(['--no-audit', '--no-fund', '--loglevel=error']), { cwd, encoding: 'utf8' });

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-package-'));
  let tarball;
  await check('npm pack: the tarball holds the mini-program files, the types, the READMEs, LICENSE and CHANGELOG', () => {
    const out = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT));
    tarball = path.join(work, out[0].filename);
    const files = out[0].files.map((f) => f.path).sort();
    const want = ['CHANGELOG.md', 'LICENSE', 'README.md', 'README.zh-CN.md', 'dist/cloud.js', 'dist/index.d.ts', 'dist/index.js',
      'dist/messages.d.ts', 'dist/messages.js', 'dist/text-codec.js', 'dist/wx_auth.js', 'dist/wx_auth.wasm.br', 'package.json',
      'testing/index.d.ts', 'testing/index.js', 'testing/page-runner.js', 'testing/wx-sim.js'];
    assert(JSON.stringify(files) === JSON.stringify(want), 'files: ' + files.join(', '));
    assert(out[0].filename === pkg.name + '-' + pkg.version + '.tgz', out[0].filename);
  });

  const project = path.join(work, 'app');
  await check('npm install of the tarball into a fresh mini-program project, then packNpm (DevTools: build npm)', async () => {
    fs.mkdirSync(project);
    const write = (f, text) => fs.writeFileSync(path.join(project, f), text);
    write('package.json', JSON.stringify({ name: 'an-app', version: '1.0.0', private: true, dependencies: { [pkg.name]: 'file:' + tarball } }));
    write('project.config.json', JSON.stringify({ appid: 'touristappid', compileType: 'miniprogram', miniprogramRoot: './', setting: { packNpmManually: false } }));
    write('app.json', JSON.stringify({ pages: ['pages/index/index'] }));
    write('app.js', "const wxAuth = require('wx-auth');\nApp({ onLaunch() { this.auth = wxAuth.createAuth({ wasmPath: '/miniprogram_npm/wx-auth/wx_auth.wasm.br', loginUrl: 'https://api.example.com/auth/login' }); } });\n");
    fs.mkdirSync(path.join(project, 'pages/index'), { recursive: true });
    write('pages/index/index.js', 'Page({});\n');
    write('pages/index/index.wxml', '<view>index</view>\n');
    write('pages/index/index.json', '{}');
    npm(['install', '--offline'], project);
    const p = new ci.Project({ appid: 'touristappid', type: 'miniProgram', projectPath: project, privateKey: 'unused offline',
      ignores: ['node_modules/**/*'] });
    const result = await ci.packNpm(p, { reporter: () => {} });
    assert(result && !(result.warnList || []).length, 'packNpm warnings: ' + JSON.stringify(result));
    const built = fs.readdirSync(path.join(project, 'miniprogram_npm/wx-auth')).sort();
    const want = ['cloud.js', 'index.d.ts', 'index.js', 'messages.d.ts', 'messages.js', 'text-codec.js', 'wx_auth.js', 'wx_auth.wasm.br'];
    assert(JSON.stringify(built) === JSON.stringify(want), 'miniprogram_npm/wx-auth/: ' + built.join(', '));
    for (const f of want) {
      const a = fs.readFileSync(path.join(project, 'miniprogram_npm/wx-auth', f));
      assert(a.equals(fs.readFileSync(path.join(ROOT, 'dist', f))), f + ' differs from dist/' + f);
    }
  });

  await check('the installed files run in the strict mini-program realm: login → request → logout', async () => {
    const realm = createRealm({ root: project });
    realm.loadModuleAsScript(path.join(ROOT, 'tests/sim/wx-sim.js'));
    const sim = realm.run('var sim = createWxSim({ needPrivacyAuthorization: false }); installWx(sim); sim');
    const sdk = realm.require('./miniprogram_npm/wx-auth/index.js');
    const options = realm.run(`({ wasmPath: '/miniprogram_npm/wx-auth/wx_auth.wasm.br', loginUrl: 'https://api.example.com/auth/login',
      logoutUrl: 'https://api.example.com/auth/logout', now: sim.now, setTimeout: sim.setTimeout })`);
    const auth = await sdk.createAuth(options);
    assert((await auth.login()).kind === 'logged-in', 'login');
    assert((await auth.request({ url: 'https://api.example.com/api/me' })).statusCode === 200, 'request');
    assert((await auth.logout()).kind === 'logged-out', 'logout');
    const messages = realm.require('./miniprogram_npm/wx-auth/messages.js');
    assert(messages.stateMessage(auth.state) === '已退出登录（你已退出）', 'wx-auth/messages: ' + messages.stateMessage(auth.state));
  });

  await check('wx-auth/testing from the installed tarball: examples/testing\'s page tests pass in a copy that installs the package', () => {
    const kit = path.join(work, 'kit');
    fs.cpSync(path.join(ROOT, 'examples/testing'), kit, { recursive: true, filter: (f) => !/node_modules/.test(f) });
    const manifest = JSON.parse(fs.readFileSync(path.join(kit, 'package.json'), 'utf8'));
    manifest.dependencies[pkg.name] = 'file:' + tarball;
    fs.writeFileSync(path.join(kit, 'package.json'), JSON.stringify(manifest));
    // The lockfile stays, with only the package's own entry changed (from the link to the
    // repository to the tarball), so every other dependency comes from the tarballs
    // setup-pages.sh's `npm ci` left in npm's cache: no registry metadata is needed offline.
    const lockFile = path.join(kit, 'package-lock.json');
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    lock.packages[''].dependencies[pkg.name] = 'file:' + tarball;
    delete lock.packages['node_modules/' + pkg.name];
    fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2));
    npm(['install', '--offline'], kit);
    assert(!fs.lstatSync(path.join(kit, 'node_modules', pkg.name)).isSymbolicLink(), 'the package is installed, not linked');
    const out = execFileSync(process.execPath, ['--test', 'test/'], { cwd: kit, encoding: 'utf8' });
    const passed = /# pass (\d+)/.exec(out);
    assert(/# fail 0/.test(out) && passed && Number(passed[1]) > 0, out.split('\n').filter((l) => /^(not ok|# (pass|fail))/.test(l)).join('; '));
  });

  fs.rmSync(work, { recursive: true, force: true });
  process.exit(summary() ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

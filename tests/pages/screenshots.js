'use strict';
// `make screenshots`: each page of the example in its main states, rendered by
// miniprogram-simulate into jsdom (rpx at 375 px wide, built-ins given a plain look),
// written as HTML and captured by headless Chromium into docs/screenshots/*.png.
// Not pixel-faithful WeChat (no native navigation bar or controls): layout and text.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const harness = require('./harness.js');

harness.init({ rpx: (css) => String(css).replace(/(-?[\d.]+)rpx/g, (m, n) => (Number(n) / 2) + 'px') });
const OUT = path.join(harness.REPO, 'docs/screenshots');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-shots-'));

const BASE_CSS = `
body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; background: #f5f5f5; }
wx-view, wx-form, wx-navigator { display: block; }
wx-text { display: inline; white-space: pre-wrap; }
wx-button { display: block; position: relative; margin: 10px auto 0; padding: 0 14px; border-radius: 5px; font-size: 17px;
  line-height: 2.55; text-align: center; background: #f2f2f2; color: #000; font-weight: 600; box-sizing: border-box; }
wx-button[type="primary"] { background: #07c160; color: #fff; }
wx-button[type="warn"] { background: #f2f2f2; color: #fa5151; }
wx-button[size="mini"] { display: inline-block; font-size: 13px; line-height: 2.3; padding: 0 1.34em; margin-right: 8px; }
wx-input { display: block; height: 36px; line-height: 36px; color: #999; }
wx-image { display: inline-block; background: #c9d6df center/cover no-repeat; overflow: hidden; }
wx-navigator { display: inline-block; }
.navbar { height: 44px; line-height: 44px; text-align: center; font-weight: 600; background: #fff; font-size: 16px; }
`;

// What the native built-ins show, from their WXML attributes (which simulate keeps out of the DOM).
function decorate(page) {
  const walk = (node) => {
    if (!node) return;
    const json = node.toJSON ? node.toJSON() : null;
    if (json && json.attrs) {
      const attrs = {};
      json.attrs.forEach((a) => { attrs[a.name] = a.value; });
      for (const k of ['type', 'size']) if (attrs[k] !== undefined && node.dom.setAttribute) node.dom.setAttribute(k, attrs[k]);
      if (json.tagName === 'wx-input' && !node.dom.textContent) node.dom.textContent = attrs.value || attrs.placeholder || '';
    }
  };
  page.component.querySelectorAll('.btn, .dialog-btn, .avatar-btn, .input').forEach(walk);
  const popup = page.find('#privacy-popup');
  if (popup) popup.querySelectorAll('.dialog-btn').forEach(walk);
}

function shoot(name, page, title, height) {
  decorate(page);
  const styles = Array.from(document.querySelectorAll('style')).map((s) => s.outerHTML).join('\n');
  const html = '<!doctype html><html><head><meta charset="utf-8"><style>' + BASE_CSS + '</style>' + styles +
    '</head><body><div class="navbar">' + title + '</div>' + page.component.dom.outerHTML + '</body></html>';
  const file = path.join(TMP, name + '.html');
  fs.writeFileSync(file, html);
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=2',
    '--window-size=375,' + (height || 720), '--screenshot=' + path.join(OUT, name + '.png'), 'file://' + file], { stdio: 'ignore' });
  console.log('docs/screenshots/' + name + '.png');
}

async function main() {
  const s = harness.start();
  const index = s.open('pages/index/index');
  await s.settle();
  shoot('1-privacy-popup', index, '登录');
  await index.agreePrivacy('#privacy-popup #agree-btn');

  const profile = s.open('pages/profile/profile');
  await s.settle();
  await profile.chooseAvatar('#avatar-btn', 'wxfile://tmp/avatar.png');
  shoot('2-profile-fill-in', profile, '头像昵称');
  await profile.submit('#profile-form', { nickName: '小明' });
  profile.unload();

  await index.tap('#login-btn');
  await index.tap('#me-btn');
  shoot('3-logged-in-api-me', index, '登录');

  const account = s.open('pages/account/account');
  await s.settle();
  shoot('4-account', account, '账号与授权', 800);
  account.unload();

  await index.tap('#logout-btn');
  shoot('5-logged-out', index, '登录');
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});

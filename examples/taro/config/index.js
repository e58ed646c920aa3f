// Taro build configuration (https://docs.taro.zone/docs/config).
// Taro bundles wx-auth's JavaScript like any package, but it does nothing for its
// WebAssembly: WXWebAssembly.instantiate() takes only a path inside the uploaded package,
// so the copy rule below puts wx_auth.wasm.br at dist/wx-auth/wx_auth.wasm.br, and
// src/wx-auth.js passes the matching package path, '/wx-auth/wx_auth.wasm.br'.
const { defineConfig } = require('@tarojs/cli');

module.exports = defineConfig({
  projectName: 'wx-auth-taro-example',
  date: '2026-12-2',
  designWidth: 750,
  deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
  sourceRoot: 'src',
  outputRoot: 'dist',
  plugins: [],
  defineConstants: {},
  copy: {
    patterns: [
      { from: 'node_modules/wx-auth/dist/wx_auth.wasm.br', to: 'dist/wx-auth/wx_auth.wasm.br' },
    ],
    options: {},
  },
  framework: 'react',
  compiler: 'webpack5',
  cache: { enable: false },
  mini: {
    postcss: {
      pxtransform: { enable: true, config: {} },
      cssModules: { enable: false },
    },
  },
});

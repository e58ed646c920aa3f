'use strict';
// wx-auth: the entry a mini-program page requires.
//
//   var wxAuth = require('../../dist/index.js');
//   wxAuth.createAuth({ wasmPath: '/dist/wx_auth.wasm.br', loginUrl: 'https://api.example.com/auth/login' })
//     .then(function (auth) { ... });
//
// This file only loads the WebAssembly module; every decision is made in Rust (the
// state machine in src/). Inside a mini-program the module is instantiated with
// WXWebAssembly.instantiate(path), which takes a package path (.wasm or .wasm.br) and
// resolves either {instance, module} or the instance itself; no fetch, eval or global
// WebAssembly is used there. Outside one, the standard WebAssembly API is used: with
// the file's bytes in node (20.16 or newer), with fetch in a browser (a .wasm path there).
var glue = require('./wx_auth.js');

var loaded = null; // the path whose module is loaded or loading, and its promise

function instantiate(path, imports) {
  if (typeof WXWebAssembly !== 'undefined') {
    return WXWebAssembly.instantiate(path, imports);
  }
  if (typeof process !== 'undefined' && process.versions && process.versions.node &&
      typeof process.getBuiltinModule === 'function') {
    // node 20.16+: no require of node's modules, so mini-program packagers and DevTools'
    // code analysis see nothing to bundle or warn about.
    var bytes = process.getBuiltinModule('fs').readFileSync(path);
    if (/\.br$/.test(path)) bytes = process.getBuiltinModule('zlib').brotliDecompressSync(bytes);
    return WebAssembly.instantiate(bytes, imports);
  }
  if (typeof WebAssembly !== 'undefined' && typeof fetch === 'function') {
    // A browser (never a mini-program: WXWebAssembly is checked first).
    return fetch(path).then(function (response) {
      if (!response.ok) throw new Error('wx-auth: fetching ' + path + ' gave HTTP ' + response.status);
      return response.arrayBuffer();
    }).then(function (bytes) {
      return WebAssembly.instantiate(bytes, imports);
    });
  }
  return Promise.reject(new Error('wx-auth: neither WXWebAssembly nor WebAssembly is available'));
}

function load(path) {
  if (loaded && loaded.path === path) return loaded.promise;
  if (loaded) return Promise.reject(new Error('wx-auth: already loaded from ' + loaded.path));
  // Started from a resolved promise so that a synchronous throw (a missing file) rejects.
  var promise = Promise.resolve().then(function () {
    return instantiate(path, glue.__wbg_get_imports());
  }).then(function (result) {
    glue.__wbg_finalize_init(result && result.instance ? result.instance : result);
  });
  loaded = { path: path, promise: promise };
  promise.then(null, function () {
    if (loaded && loaded.promise === promise) loaded = null; // let a later call retry
  });
  return promise;
}

function createAuth(options) {
  var path = options && options.wasmPath;
  if (typeof path !== 'string' || !/\.wasm(\.br)?$/.test(path)) {
    var err = new Error('createAuth needs wasmPath: the package path of wx_auth.wasm or wx_auth.wasm.br');
    err.name = 'AuthError';
    err.code = 'INVALID_ARGUMENT';
    return Promise.reject(err);
  }
  if (options.cloud !== undefined && options.cloud !== null) {
    try {
      // Required only by apps that use the cloud transport: the others never evaluate it.
      options = Object.assign({}, options, require('./cloud.js').options(options.cloud));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return load(path).then(function () {
    return glue.Auth.create(options);
  });
}

module.exports = { createAuth: createAuth };

// The SDK is created once per launch (app.js calls start()); pages wait on auth().
import { createAuth } from 'wx-auth';

export const API_BASE = 'https://api.example.com';

// A package path: config/index.js copies the file there (copy.patterns). WXWebAssembly
// loads nothing else, so a wrong path leaves createAuth rejected, never a page that works.
export const WASM_PATH = '/wx-auth/wx_auth.wasm.br';

let started = null;

export function start() {
  if (!started) {
    started = createAuth({
      wasmPath: WASM_PATH,
      loginUrl: API_BASE + '/auth/login',
      logoutUrl: API_BASE + '/auth/logout',
    });
    // The page shows a failed load itself; this only keeps it from being "unhandled".
    started.catch(() => {});
  }
  return started;
}

export function auth() {
  return start();
}

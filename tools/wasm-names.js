'use strict';
// Shortens the import and export names of a wasm-bindgen module, and says how.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` under the module
// `./<crate>_bg.js`, and exports Rust symbol names such as
// `wasm_bindgen__convert__closures_____invoke__h<hash>`: about 4 KB of names that the
// wasm and the glue both carry, and that brotli cannot squeeze (the hashes are random).
// `shorten` renames them `a`, `b`, … (module `a`) in the wasm's import and export
// sections only, and returns the renaming so wxify.js can apply it to the glue.
// `memory` keeps its name: tests read it from the instance.
const KEEP = new Set(['memory']);

function shortName(i) {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let name = '';
  do {
    name += letters[i % letters.length];
    i = Math.floor(i / letters.length) - 1;
  } while (i >= 0);
  return name;
}

function readU32(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++];
    if (b === undefined) throw new Error('wasm-names: truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, at];
  }
}

function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

function readName(buf, at) {
  const [len, start] = readU32(buf, at);
  return [buf.subarray(start, start + len).toString('utf8'), start + len];
}

function name(s) {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

// The import section, renamed; only function imports are expected (wasm-bindgen
// imports no memory, table or global), anything else fails loudly.
function renameImports(body, imports, modules) {
  let [count, at] = readU32(body, 0);
  const parts = [u32(count)];
  while (count--) {
    let module, field;
    [module, at] = readName(body, at);
    [field, at] = readName(body, at);
    const kind = body[at];
    if (kind !== 0) throw new Error(`wasm-names: import ${module}.${field} is not a function`);
    const descStart = at;
    [, at] = readU32(body, at + 1);
    if (!modules.has(module)) modules.set(module, shortName(modules.size));
    if (imports.has(field)) throw new Error(`wasm-names: import ${field} appears twice`);
    imports.set(field, shortName(imports.size));
    parts.push(name(modules.get(module)), name(imports.get(field)), body.subarray(descStart, at));
  }
  if (at !== body.length) throw new Error('wasm-names: unexpected bytes after the imports');
  return Buffer.concat(parts);
}

function renameExports(body, exports) {
  let [count, at] = readU32(body, 0);
  const parts = [u32(count)];
  const used = new Set(KEEP);
  let next = 0;
  while (count--) {
    let field;
    [field, at] = readName(body, at);
    const descStart = at;
    [, at] = readU32(body, at + 1);
    let renamed = field;
    if (!KEEP.has(field)) {
      do renamed = shortName(next++); while (used.has(renamed));
      used.add(renamed);
      exports.set(field, renamed);
    }
    parts.push(name(renamed), body.subarray(descStart, at));
  }
  if (at !== body.length) throw new Error('wasm-names: unexpected bytes after the exports');
  return Buffer.concat(parts);
}

// Returns {wasm, imports: Map(old → new), exports: Map(old → new), modules: Map(old → new)}.
function shorten(wasm) {
  if (wasm.readUInt32LE(0) !== 0x6d736100 || wasm.readUInt32LE(4) !== 1) {
    throw new Error('wasm-names: not a wasm module');
  }
  const imports = new Map();
  const exports = new Map();
  const modules = new Map();
  const parts = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readU32(wasm, at + 1);
    let body = wasm.subarray(start, start + size);
    if (id === 2) body = renameImports(body, imports, modules);
    if (id === 7) body = renameExports(body, exports);
    parts.push(Buffer.from([id]), u32(body.length), body);
    at = start + size;
  }
  return { wasm: Buffer.concat(parts), imports, exports, modules };
}

module.exports = { shorten, shortName };

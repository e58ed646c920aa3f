'use strict';
// UTF-8 TextEncoder/TextDecoder for the wasm glue. The native classes are used where
// the engine has them; WeChat on phones has neither (platform.md §0), so there a small
// fallback is used. Nothing global is touched.

function FallbackEncoder() {}
FallbackEncoder.prototype.encode = function (input) {
  var s = input === undefined ? '' : String(input);
  // Most strings the SDK passes (keys, URLs, tokens) are ASCII: one byte per unit.
  var ascii = new Uint8Array(s.length);
  for (var k = 0; k < s.length; k++) {
    var a = s.charCodeAt(k);
    if (a >= 0x80) break;
    ascii[k] = a;
  }
  if (k === s.length) return ascii;
  var out = [];
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      var d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
};

function FallbackDecoder() {}
FallbackDecoder.prototype.decode = function (input) {
  if (!input) return '';
  var b = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input);
  if (b.length <= 4096) {
    for (var k = 0; k < b.length && b[k] < 0x80; k++);
    if (k === b.length) return String.fromCharCode.apply(null, b);
  }
  var units = [];
  var text = '';
  var i = 0;
  while (i < b.length) {
    var c = b[i];
    var need = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    var cp = need === 1 ? c & 31 : need === 2 ? c & 15 : need === 3 ? c & 7 : c;
    var used = 1;
    while (need > 0 && used <= need) {
      var n = b[i + used];
      // The second byte's range rules out overlongs, surrogates and code points past U+10FFFF.
      var lo = used === 1 && c === 0xe0 ? 0xa0 : used === 1 && c === 0xf0 ? 0x90 : 0x80;
      var hi = used === 1 && c === 0xed ? 0x9f : used === 1 && c === 0xf4 ? 0x8f : 0xbf;
      if (n === undefined || n < lo || n > hi) break;
      cp = (cp << 6) | (n & 63);
      used++;
    }
    if (need < 0 || used <= need) {
      // An invalid or cut-off sequence: one U+FFFD for its valid prefix (the "maximal subpart").
      units.push(0xfffd);
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    } else {
      units.push(cp);
    }
    i += used;
    if (units.length > 4096) {
      text += String.fromCharCode.apply(null, units);
      units = [];
    }
  }
  return text + String.fromCharCode.apply(null, units);
};

module.exports = {
  TextEncoder: typeof TextEncoder === 'function' ? TextEncoder : FallbackEncoder,
  TextDecoder: typeof TextDecoder === 'function' ? TextDecoder : FallbackDecoder,
  FallbackEncoder: FallbackEncoder,
  FallbackDecoder: FallbackDecoder
};

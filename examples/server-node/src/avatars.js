'use strict';
// The uploaded avatars, as the Rust server keeps them (src/avatars.rs): files in one
// directory (AVATAR_DIR), each named `<32 lowercase hex random>.<png|jpg|gif|webp>`, public
// at `<PUBLIC_BASE_URL>/avatars/<name>`.
//
// A file is written under a temporary name in the same directory (`<name>.part`, which no
// lookup matches), flushed to disk, then renamed: a reader sees the whole file or none. Only
// names profile.avatarNameKind accepts are ever read or removed, so no request can reach
// another path. The directory is created on the first upload.
const crypto = require('crypto');
const fs = require('fs/promises');
const path = require('path');
const { avatarNameKind } = require('./profile.js');

/** A failure of the avatar directory; its text names the operation and the error code, never a path. */
class FileError extends Error {}

const fileError = (op) => (e) => { throw new FileError(op + ': ' + ((e && e.code) || 'error')); };

class AvatarDir {
  /** Files in `dir`, served under `publicBase()` (a function: the base is known once the server listens). */
  constructor(dir, publicBase) {
    this.dir = dir;
    this.publicBase = publicBase;
  }

  /** The public URL of the stored file `name`. */
  url(name) {
    return this.publicBase().replace(/\/+$/, '') + '/avatars/' + name;
  }

  /** Stores `bytes` (a Buffer, an image of `kind`) under a fresh random name; resolves the name. */
  async save(bytes, kind) {
    await fs.mkdir(this.dir, { recursive: true }).catch(fileError('create the directory'));
    const name = crypto.randomBytes(16).toString('hex') + '.' + kind.ext;
    const partial = path.join(this.dir, name + '.part');
    let file;
    try {
      file = await fs.open(partial, 'wx').catch(fileError('create'));
      await file.writeFile(bytes).catch(fileError('write'));
      await file.sync().catch(fileError('flush'));
      await file.close().catch(fileError('close'));
      file = null;
      await fs.rename(partial, path.join(this.dir, name)).catch(fileError('rename'));
    } catch (e) {
      if (file) await file.close().catch(() => {});
      await fs.rm(partial, { force: true }).catch(() => {});
      throw e;
    }
    return name;
  }

  /** The stored file `name`: `{bytes, kind}`, or null for a name the server never makes or a file that is not there. */
  async read(name) {
    const kind = avatarNameKind(name);
    if (!kind) return null;
    try {
      return { bytes: await fs.readFile(path.join(this.dir, name)), kind: kind };
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw new FileError('read: ' + (e.code || 'error'));
    }
  }

  /**
   * Removes the stored file `name` (one already gone, or a name the server never makes:
   * nothing). A failure is logged, never answered: the profile that referred to the file
   * has already changed.
   */
  async remove(name, log) {
    if (!avatarNameKind(name)) return;
    try {
      await fs.rm(path.join(this.dir, name));
    } catch (e) {
      if (e.code !== 'ENOENT') log('error: avatar files: remove an old avatar: ' + (e.code || 'error'));
    }
  }
}

module.exports = { AvatarDir, FileError };

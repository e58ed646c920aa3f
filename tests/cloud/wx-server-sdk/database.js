'use strict';
// cloud.database(): the document database, in memory, with the result shapes and refusals of
// wx-server-sdk's server-side API (developers.weixin.qq.com, 云开发 → SDK 文档 → 数据库):
//
// - Document.get() resolves {data}; on a missing document it rejects unless the database was
//   made with {throwOnNotFound: false} ("默认情况下，如果获取不到记录，方法会抛出异常",
//   wx-server-sdk ≥ 1.7.0), then it resolves {data: null}. The rejection here is errCode -1,
//   errMsg "document.get:fail document with _id … does not exist", the text seen in use.
// - Document.set({data}) resolves {_id, stats: {updated, created}} (created 1 when there was
//   no such document); Document.update({data}) resolves {stats: {updated}} and merges nested
//   objects field by field; Document.remove() resolves {stats: {removed}}.
// - Collection.add({data}) resolves {_id}.
// - Collection/Query.get() resolves {data: [...]}: at most 100 documents unless limit() says
//   otherwise, 1000 at most; Query.remove() resolves {stats: {removed}} (where only);
//   count() resolves {total}.
// - A collection that was not created: errCode -502005 (ResourceNotFound), as reported.
// - `updated` counts the documents whose content changed (an update that changes nothing
//   counts 0, as a MongoDB modified count would: the real figure is not documented either
//   way, so the function under test does not read it).
//
// Values are stored as JSON (a Date becomes its string; db.serverDate() and Geo are not
// modelled). Query operators: db.command.eq, neq, lt, lte, gt, gte, in.
const crypto = require('crypto');
const state = require('./state.js');

const { SdkError, tick } = state;

const isPlain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Command);
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

class Command {
  constructor(op, value) {
    this.op = op;
    this.value = value;
  }
}

const command = {
  eq: (v) => new Command('eq', v),
  neq: (v) => new Command('neq', v),
  lt: (v) => new Command('lt', v),
  lte: (v) => new Command('lte', v),
  gt: (v) => new Command('gt', v),
  gte: (v) => new Command('gte', v),
  in: (v) => new Command('in', v),
};

const badParam = (api, why) => new SdkError(-401002, api + ':fail ' + why);

/** The value at a dotted path of a document. */
function at(doc, path) {
  return path.split('.').reduce((v, key) => (v !== null && typeof v === 'object' ? v[key] : undefined), doc);
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function comparable(a, b) {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

/** Whether `doc` matches `query` (nested objects address nested fields, as a where() does). */
function matches(doc, query, prefix) {
  return Object.keys(query).every((key) => {
    const path = prefix ? prefix + '.' + key : key;
    const want = query[key];
    const have = at(doc, path);
    if (want instanceof Command) {
      switch (want.op) {
        case 'eq': return sameValue(have, want.value);
        case 'neq': return !sameValue(have, want.value);
        case 'lt': return comparable(have, want.value) && have < want.value;
        case 'lte': return comparable(have, want.value) && have <= want.value;
        case 'gt': return comparable(have, want.value) && have > want.value;
        case 'gte': return comparable(have, want.value) && have >= want.value;
        case 'in': return Array.isArray(want.value) && want.value.some((v) => sameValue(have, v));
        default: return false;
      }
    }
    if (isPlain(want)) return matches(doc, want, path);
    return sameValue(have, want);
  });
}

/** `target` with `data` merged in: nested plain objects field by field, dotted keys as paths. */
function merge(target, data) {
  Object.keys(data).forEach((key) => {
    const parts = key.split('.');
    let node = target;
    for (let i = 0; i < parts.length - 1; i += 1) {
      if (!isPlain(node[parts[i]])) node[parts[i]] = {};
      node = node[parts[i]];
    }
    const last = parts[parts.length - 1];
    const value = data[key];
    if (isPlain(value) && isPlain(node[last])) merge(node[last], value);
    else node[last] = clone(value);
  });
  return target;
}

/**
 * One database operation: a round trip (a turn of the event loop), then the injected failures,
 * then the collection's existence, then `run(documents)`.
 */
async function operate(kind, name, run) {
  await tick();
  const db = state.db;
  db.ops[kind] += 1;
  if (db.unavailable) throw new SdkError(-501001, 'database request failed: the stand-in database is unavailable');
  if (db.failures.length > 0) {
    const f = db.failures.shift();
    throw new SdkError(f.errCode, f.errMsg);
  }
  const docs = db.collections.get(name);
  if (!docs) {
    throw new SdkError(-502005, '[ResourceNotFound] Db or Table not exist. Please check your request, but if the problem cannot be solved, contact us.', 'database collection not exists');
  }
  return run(docs);
}

class Document {
  constructor(collection, id, options) {
    this.collection = collection;
    this.id = id;
    this.options = options;
  }

  get() {
    const id = this.id;
    const throwOnNotFound = this.options.throwOnNotFound !== false;
    return operate('read', this.collection, (docs) => {
      if (!docs.has(id)) {
        if (throwOnNotFound) throw new SdkError(-1, 'document.get:fail document with _id ' + id + ' does not exist');
        return { data: null };
      }
      return { data: clone(docs.get(id)) };
    });
  }

  set(options) {
    const id = this.id;
    const data = options && options.data;
    return operate('write', this.collection, (docs) => {
      if (!isPlain(data)) throw badParam('document.set', 'data must be an object');
      if (Object.prototype.hasOwnProperty.call(data, '_id')) throw badParam('document.set', 'data cannot contain _id');
      const existed = docs.has(id);
      docs.set(id, Object.assign({ _id: id }, clone(data)));
      return { _id: id, stats: { updated: existed ? 1 : 0, created: existed ? 0 : 1 } };
    });
  }

  update(options) {
    const id = this.id;
    const data = options && options.data;
    return operate('write', this.collection, (docs) => {
      if (!isPlain(data) || Object.keys(data).length === 0) throw badParam('document.update', 'data must be a non-empty object');
      if (Object.prototype.hasOwnProperty.call(data, '_id')) throw badParam('document.update', 'data cannot contain _id');
      if (!docs.has(id)) return { stats: { updated: 0 } };
      const before = JSON.stringify(docs.get(id));
      const after = merge(clone(docs.get(id)), data);
      docs.set(id, after);
      return { stats: { updated: JSON.stringify(after) === before ? 0 : 1 } };
    });
  }

  remove() {
    const id = this.id;
    return operate('write', this.collection, (docs) => ({ stats: { removed: docs.delete(id) ? 1 : 0 } }));
  }
}

class Query {
  constructor(collection, where, options) {
    this.collection = collection;
    this.query = where;
    this.options = options;
    this.max = null;
    this.offset = 0;
  }

  limit(n) {
    const q = this.copy();
    q.max = n;
    return q;
  }

  skip(n) {
    const q = this.copy();
    q.offset = n;
    return q;
  }

  copy() {
    const q = new Query(this.collection, this.query, this.options);
    q.max = this.max;
    q.offset = this.offset;
    return q;
  }

  /** The matching [id, document] pairs, after checking the query itself. */
  select(docs, api) {
    if (this.query !== null && !isPlain(this.query)) throw badParam(api, 'the query must be an object');
    const query = this.query || {};
    return Array.from(docs.entries()).filter((e) => matches(e[1], query, ''));
  }

  get() {
    return operate('read', this.collection, (docs) => {
      const max = this.max === null ? 100 : this.max;
      if (!Number.isInteger(max) || max < 1 || max > 1000) throw badParam('collection.get', 'limit must be 1 to 1000');
      const found = this.select(docs, 'collection.get').slice(this.offset, this.offset + max);
      return { data: found.map((e) => clone(e[1])) };
    });
  }

  count() {
    return operate('read', this.collection, (docs) => ({ total: this.select(docs, 'collection.count').length }));
  }

  remove() {
    return operate('write', this.collection, (docs) => {
      if (this.query === null) throw badParam('collection.remove', 'remove takes a where() query');
      if (this.max !== null || this.offset !== 0) throw badParam('collection.remove', 'remove takes no skip or limit');
      const found = this.select(docs, 'collection.remove');
      found.forEach((e) => docs.delete(e[0]));
      return { stats: { removed: found.length } };
    });
  }

  update(options) {
    const data = options && options.data;
    return operate('write', this.collection, (docs) => {
      if (!isPlain(data) || Object.keys(data).length === 0) throw badParam('collection.update', 'data must be a non-empty object');
      let updated = 0;
      this.select(docs, 'collection.update').forEach((e) => {
        const before = JSON.stringify(e[1]);
        const after = merge(clone(e[1]), data);
        docs.set(e[0], after);
        if (JSON.stringify(after) !== before) updated += 1;
      });
      return { stats: { updated: updated } };
    });
  }
}

class Collection extends Query {
  constructor(name, options) {
    super(name, null, options);
  }

  doc(id) {
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
      throw badParam('collection.doc', 'docId must be a non-empty string');
    }
    return new Document(this.collection, String(id), this.options);
  }

  where(query) {
    const q = new Query(this.collection, query, this.options);
    q.max = this.max;
    q.offset = this.offset;
    return q;
  }

  add(options) {
    const data = options && options.data;
    return operate('write', this.collection, (docs) => {
      if (!isPlain(data)) throw badParam('collection.add', 'data must be an object');
      const id = data._id !== undefined ? String(data._id) : crypto.randomBytes(16).toString('hex');
      if (docs.has(id)) throw new SdkError(-502001, 'collection.add:fail duplicate key: _id ' + id + ' exists');
      docs.set(id, Object.assign(clone(data), { _id: id }));
      return { _id: id };
    });
  }
}

/** cloud.database(options): {collection(name), command}; options.throwOnNotFound (default true). */
function database(options) {
  const opts = Object.assign({ throwOnNotFound: true }, options || {});
  return {
    command: command,
    collection(name) {
      if (typeof name !== 'string' || name === '') throw badParam('database.collection', 'the collection name must be a non-empty string');
      return new Collection(name, opts);
    },
  };
}

module.exports = { database, command, Command };

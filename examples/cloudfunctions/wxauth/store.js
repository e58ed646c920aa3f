'use strict';
// The cloud database, as this function uses it. Every failure becomes a StoreError (answered
// 500 INTERNAL, as the HTTP servers answer a failing session store); what is logged names the
// operation and the database's errCode, never a document id (a token hash or an openid).
//
// Result shapes relied on (wx-server-sdk, 云函数端):
// - doc(id).get() resolves {data}; on a missing document it rejects by default ("默认情况下，
//   如果获取不到记录，方法会抛出异常", Document.get,
//   https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-sdk-api/database/document/Document.get.md).
//   The text of that rejection is not documented, so a rejection is taken as "missing" only
//   when a query for the same _id then finds nothing: any other failure stays a failure.
// - doc(id).set({data}) resolves {_id, stats: {updated, created}} and creates the document
//   when there is none (Document.set); data may not hold an _id.
// - doc(id).update({data}) resolves {stats: {updated}}; nested objects are merged field by
//   field (Document.update). stats.updated is not relied on: an update that changes nothing
//   may count 0.
// - doc(id).remove() and where(q).remove() resolve {stats: {removed}} (Collection.remove:
//   only where, no skip or limit).
// - where(q).get() resolves {data: [...]}, at most 100 documents in a cloud function
//   (Collection.get: "云函数端：如果没有指定 limit，则默认且最多取 100 条记录").
const cloud = require('wx-server-sdk');
const { StoreError } = require('./errors.js');

let db = null;
/** The database of the function's own environment (cloud.init ran in index.js). */
function database() {
  if (db === null) db = cloud.database();
  return db;
}

/** `op()`, its failure a StoreError described by `what`. */
async function call(what, op) {
  try {
    return await op();
  } catch (e) {
    throw new StoreError(what, e);
  }
}

/** The document `id` of `collection` (with its _id), or null when there is none. */
async function getDoc(collection, id) {
  const ref = database().collection(collection);
  try {
    const res = await ref.doc(id).get();
    return res && res.data && typeof res.data === 'object' ? res.data : null;
  } catch (e) {
    const found = await call('read ' + collection, () => ref.where({ _id: id }).limit(1).get());
    if (found && Array.isArray(found.data) && found.data.length === 0) return null;
    throw new StoreError('read ' + collection, e);
  }
}

/** Creates or replaces the document `id` with `data`. */
function setDoc(collection, id, data) {
  return call('write ' + collection, () => database().collection(collection).doc(id).set({ data: data }));
}

/** Merges `data` into the document `id` (nothing when there is none). */
function updateDoc(collection, id, data) {
  return call('update ' + collection, () => database().collection(collection).doc(id).update({ data: data }));
}

/** Deletes the document `id`; deleting a missing one is no error. */
function removeDoc(collection, id) {
  return call('delete from ' + collection, () => database().collection(collection).doc(id).remove());
}

/** Deletes every document matching `query`; resolves how many went. */
async function removeWhere(collection, query) {
  const res = await call('delete from ' + collection, () => database().collection(collection).where(query).remove());
  return res && res.stats && typeof res.stats.removed === 'number' ? res.stats.removed : 0;
}

/** The query operators (db.command), for `lte` and the like. */
const command = () => database().command;

/** A log line for a StoreError: the operation and the database's errCode. */
function describe(e) {
  const cause = e.cause || {};
  const code = cause.errCode !== undefined ? ' (errCode ' + cause.errCode + ')' : '';
  const hint = cause.errCode === -502005 ? '; create the collections wxauth_users and wxauth_sessions (README)' : '';
  return 'cloud database: ' + e.message + ' failed' + code + hint;
}

module.exports = { getDoc, setDoc, updateDoc, removeDoc, removeWhere, command, describe };

#!/usr/bin/env node
// index_bench's workload (bench/index_bench.cc) on PouchDB 9.0.0 with pouchdb-find: the same
// documents, the same queries, the same puts, with a Mango index on the same fields, so that
// crdtdb's secondary indexes stand beside PouchDB's (docs/benchmarks.md, "Indexes").
//
// Usage: node find_workload.js [--n N] [--dir DIR]
//   --n    documents (default 100000); the puts are timed on min(N, 10000) of them
//   --dir  parent folder for the LevelDB folders (default: os.tmpdir()); a fresh subfolder is made
//          there and removed at the end, also on failure
// Prints ONE JSON line: times in ms (queries, builds) or in us per put.
//
//   load:    N documents "c/<i>" = {"n": i, "k": "key<i % 1000>", "pad": 60 x}, one awaited put
//            each                                                        -> load_put_us
//   scan:    the equality query {"k": "key500"} and the range query {"n": {"$gte": N/2,
//            "$lt": N/2 + N/1000}} (each 0.1%) with no index: pouchdb-find reads _all_docs
//                                                                        -> eq_scan_ms, range_scan_ms
//   index:   createIndex on k, then on n; PouchDB builds an index at its first query after a
//            write (lazily), so each build is createIndex + that query   -> build_k_ms, build_n_ms
//            the two queries again, answered from the indexes            -> eq_index_ms, range_index_ms
//            (each query: the median of 5; every one must find N/1000 documents)
//   puts:    in a fresh database of P = min(N, 10000) documents with no index, an index on k, and
//            indexes on k, n and (k, n) as index_bench (each brought up to date first), P overwrites changing both
//            values (the _rev kept from the previous put, no read). crdtdb updates its indexes in
//            the put's own batch; PouchDB at the next query, so the time per put with indexes is
//            the puts plus the catch-up of every index (one query each)
//                                                        -> put_none_us, put_one_us, put_three_us
//            the puts alone, the indexes left behind   -> put_one_deferred_us, put_three_deferred_us
//   whole run: wall and CPU time, peak RSS                               -> total_ms, cpu_ms, rss_peak_mb
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const PouchDB = require('pouchdb')
PouchDB.plugin(require('pouchdb-find'))

const arg = (name, def) => {
  const i = process.argv.indexOf('--' + name)
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def
}
const N = parseInt(arg('n', '100000'), 10)
const PARENT = arg('dir', os.tmpdir())
const KEYS = 1000 // each key: 0.1% of the documents, as index_bench
const REPEATS = 5
const PROBE = Math.min(N, 10000)
if (!(N >= KEYS && N <= 10000000)) throw new Error('--n must be a number from ' + KEYS + ' to 10000000')

const now = () => Number(process.hrtime.bigint()) / 1e6
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
const PAD = 'x'.repeat(60)
const doc = (i, shift) => ({ n: i + shift, k: 'key' + ((i + shift) % KEYS), pad: PAD })

// Puts documents 0..count-1 with n = i + shift (revs: the _rev of each, kept from its last put);
// the time in ms.
async function putAll (db, count, shift, revs) {
  const start = now()
  for (let i = 0; i < count; i++) {
    const d = doc(i, shift)
    d._id = 'c/' + i
    if (revs[i]) d._rev = revs[i]
    revs[i] = (await db.put(d)).rev
  }
  return now() - start
}

// Runs `selector` for every match (pouchdb-find's default limit is 25, as CouchDB's: the limit
// is N); checks the count; the time in ms.
async function findAll (db, selector, want) {
  const start = now()
  const res = await db.find({ selector, limit: N })
  const ms = now() - start
  if (res.docs.length !== want) {
    throw new Error(`${JSON.stringify(selector)} found ${res.docs.length} documents, not ${want}`)
  }
  return ms
}

async function medianFind (db, selector, want) {
  const times = []
  for (let r = 0; r < REPEATS; r++) times.push(await findAll(db, selector, want))
  return median(times)
}

// The index the planner picks for `selector` ("_all_docs" when none): the index must be used.
async function planned (db, selector) {
  const plan = await db.explain({ selector })
  return plan.index.ddoc ? plan.index.def.fields.map((f) => Object.keys(f)[0]).join(',') : '_all_docs'
}

// The time per overwrite (both values changed) of PROBE documents in a fresh database with the
// indexes on `fields` up to date: [puts and catch-up, puts alone] in us per put.
async function overwrites (root, name, fields) {
  const db = new PouchDB(path.join(root, name))
  const revs = []
  // 'k,n' is the compound index on both
  const probes = fields.map((f) => (f === 'k' ? { k: 'key0' } : f === 'n' ? { n: 0 } : { k: 'key0', n: 0 }))
  for (const f of fields) await db.createIndex({ index: { fields: f.split(',') } })
  await putAll(db, PROBE, 0, revs)
  for (const p of probes) await db.find({ selector: p, limit: 1 })
  const puts = await putAll(db, PROBE, 1, revs)
  const start = now()
  for (const p of probes) await db.find({ selector: p, limit: 1 })
  const catchup = now() - start
  await db.close()
  return [(puts + catchup) * 1000 / PROBE, puts * 1000 / PROBE]
}

async function main (root) {
  const t0 = now()
  const r = {
    lib: 'pouchdb-find',
    version: require('pouchdb/package.json').version,
    find_version: require('pouchdb-find/package.json').version,
    n: N,
    probe: PROBE
  }
  const db = new PouchDB(path.join(root, 'index'))
  r.load_put_us = (await putAll(db, N, 0, [])) * 1000 / N

  const want = N / KEYS
  const equality = { k: 'key' + KEYS / 2 }
  const range = { n: { $gte: Math.floor(N / 2), $lt: Math.floor(N / 2) + Math.floor(N / KEYS) } }
  if (await planned(db, equality) !== '_all_docs') throw new Error('an index before any was made')
  r.eq_scan_ms = await medianFind(db, equality, want)
  r.range_scan_ms = await medianFind(db, range, want)

  let start = now()
  await db.createIndex({ index: { fields: ['k'] } })
  await findAll(db, equality, want)
  r.build_k_ms = now() - start
  start = now()
  await db.createIndex({ index: { fields: ['n'] } })
  await findAll(db, range, want)
  r.build_n_ms = now() - start
  r.eq_index = await planned(db, equality)
  r.range_index = await planned(db, range)
  if (r.eq_index !== 'k' || r.range_index !== 'n') throw new Error(`the planner picked ${r.eq_index}, ${r.range_index}`)
  r.eq_index_ms = await medianFind(db, equality, want)
  r.range_index_ms = await medianFind(db, range, want)
  await db.close()

  ;[r.put_none_us] = await overwrites(root, 'put0', [])
  ;[r.put_one_us, r.put_one_deferred_us] = await overwrites(root, 'put1', ['k'])
  ;[r.put_three_us, r.put_three_deferred_us] = await overwrites(root, 'put3', ['k', 'n', 'k,n'])

  r.rss_peak_mb = process.resourceUsage().maxRSS / 1024
  const cpu = process.cpuUsage()
  r.cpu_ms = (cpu.user + cpu.system) / 1000
  r.total_ms = now() - t0
  console.log(JSON.stringify(r))
}

const root = fs.mkdtempSync(path.join(PARENT, 'pouchdb-find-bench-'))
const cleanup = () => fs.rmSync(root, { recursive: true, force: true })
main(root).then(cleanup, (e) => { console.error(e); cleanup(); process.exit(1) })

#!/usr/bin/env node
// The list and text workloads of issue 19 on Yjs, Automerge and Loro, one (workload, library) per
// node process; prints ONE JSON line. bench/peers/run runs every pair REPS times and keeps medians.
//
//   node trace_workload.js WORKLOAD LIB [--seed S] [--traces DIR]
//     WORKLOAD  text | concurrent | array
//     LIB       yjs | automerge | loro
//     --traces  the editing traces (default: ../../../shared/traces beside the repository, or
//               $TRACES); --seed the array workload's PRNG seed (default 42)
//
// text        automerge-paper (259,778 single-character edits) replayed as a replica applying a
//             user's keystrokes: one update per edit (Yjs: one insert/delete call, each its own
//             transaction; Automerge: one change per edit; Loro: one commit per edit).
//               replay_ms, encoded_bytes + encode_ms (Yjs encodeStateAsUpdate, Automerge save,
//               Loro snapshot), load_ms (that encoding into a new document, text read back),
//               ship_bytes + ship_apply_ms (the whole history as an update applied to an empty
//               replica: Yjs encodeStateAsUpdate against an empty state vector, Automerge
//               saveSince(doc, []) + loadIncremental, Loro export({mode: "update"}) + import),
//               mem_rss_mb / mem_heap_mb (after a gc, beside the same before the replay).
//             Every decoded document's text must equal endContent, else the run fails.
// concurrent  friendsforever (26,078 transactions, 2 agents): one replica per agent; each
//             transaction is applied on its agent's replica after that replica has received its
//             parents' missing transactions (the updates the others' replicas produced), then every
//             replica receives everything it lacks. Every replica must end with endContent.
//               replay_ms (all of it), merge_ms (the final exchange alone), update_bytes (all
//               transactions' updates)
// array       10,000 items ({id, title, done, n}) appended by 3 replicas concurrently (a third each,
//             one update per item), merged; then the 3 replicas concurrently move 3,000 and remove
//             2,000 distinct items (a third each, one update per operation), merged again. All 3
//             must end equal, with the 8,000 expected items once each.
//               append_ms, merge1_ms, edit_ms, merge_ms, total_ms, merge_bytes (exchanged in the
//               last merge), encoded_bytes (the final document, encoded as in `text`)
//             Yjs Y.Array and Automerge lists have no move: a move is a delete and an insert of a
//             copy in one transaction / change. Loro uses its LoroMovableList.move.
'use strict'

const fs = require('fs')
const path = require('path')
const zlib = require('zlib')

const WORKLOADS = ['text', 'concurrent', 'array']
const LIBS = ['yjs', 'automerge', 'loro']
const [workload, lib] = process.argv.slice(2, 4)
if (!WORKLOADS.includes(workload) || !LIBS.includes(lib)) {
  console.error('usage: node trace_workload.js text|concurrent|array yjs|automerge|loro [--seed S] [--traces DIR]')
  process.exit(2)
}
const arg = (name, def) => {
  const i = process.argv.indexOf('--' + name)
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def
}
const SEED = parseInt(arg('seed', '42'), 10)
const TRACES = arg('traces', process.env.TRACES || path.join(__dirname, '..', '..', '..', 'shared', 'traces'))

const Y = lib === 'yjs' ? require('yjs') : null
const A = lib === 'automerge' ? require('@automerge/automerge') : null
const L = lib === 'loro' ? require('loro-crdt') : null

const now = () => Number(process.hrtime.bigint()) / 1e6
const mb = (bytes) => bytes / 1048576
const gc = () => { if (global.gc) { global.gc(); global.gc() } }
const check = (ok, what) => { if (!ok) throw new Error(lib + ' ' + workload + ': ' + what) }

function readTrace (name) {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(TRACES, name + '.json.gz'))).toString('utf8'))
}

// mulberry32, as in ../../../shared/peers/map_workload.js
function rng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---- one text replica per library: local edits, updates out and in, encodings ----------------

const LOCAL = 'local'

function textReplica (agent) {
  if (Y) {
    const doc = new Y.Doc()
    doc.clientID = agent + 1
    const text = doc.getText('text')
    let captured = null
    doc.on('update', (u, origin) => { if (origin === LOCAL) captured = u })
    return {
      edit (patches) { // one transaction; its update
        doc.transact(() => {
          for (const [pos, del, ins] of patches) {
            if (del) text.delete(pos, del)
            if (ins) text.insert(pos, ins)
          }
        }, LOCAL)
        return captured
      },
      keystroke (pos, del, ins) { if (del) text.delete(pos, del); if (ins) text.insert(pos, ins) },
      receive (updates) { for (const u of updates) Y.applyUpdate(doc, u) },
      text: () => text.toString(),
      encode: () => Y.encodeStateAsUpdate(doc),
      load (bytes) { const d = new Y.Doc(); Y.applyUpdate(d, bytes); return d.getText('text').toString() },
      history: () => Y.encodeStateAsUpdate(doc, Y.encodeStateVector(new Y.Doc())),
      applyHistory (bytes) { const d = new Y.Doc(); Y.applyUpdate(d, bytes); return d.getText('text').toString() }
    }
  }
  if (A) {
    // Every replica starts from one shared document holding the empty text (two replicas that each
    // created the field would hold two concurrent values of it).
    let doc = A.clone(textBase(), { actor: actorHex(agent) })
    return {
      edit (patches) {
        doc = A.change(doc, d => { for (const [pos, del, ins] of patches) A.splice(d, ['text'], pos, del, ins) })
        return A.getLastLocalChange(doc)
      },
      keystroke (pos, del, ins) { doc = A.change(doc, d => A.splice(d, ['text'], pos, del, ins)) },
      receive (changes) { [doc] = A.applyChanges(doc, changes) },
      text: () => doc.text,
      encode: () => A.save(doc),
      load: (bytes) => A.load(bytes).text,
      history: () => A.saveSince(doc, []),
      applyHistory: (bytes) => A.loadIncremental(A.init(), bytes).text
    }
  }
  const doc = new L.LoroDoc()
  doc.setPeerId(agent + 1)
  const text = doc.getText('text')
  // A commit's update, exported from the version before it: Loro's documented way. (A local-update
  // subscription was slower here, an export of the commit's op-id span no faster.)
  return {
    edit (patches) { // one commit; its update
      const before = doc.oplogVersion()
      for (const [pos, del, ins] of patches) {
        if (del) text.delete(pos, del)
        if (ins) text.insert(pos, ins)
      }
      doc.commit()
      return doc.export({ mode: 'update', from: before })
    },
    keystroke (pos, del, ins) { if (del) text.delete(pos, del); if (ins) text.insert(pos, ins); doc.commit() },
    receive (updates) { if (updates.length) doc.importBatch(updates) },
    text: () => text.toString(),
    encode: () => doc.export({ mode: 'snapshot' }),
    load: (bytes) => L.LoroDoc.fromSnapshot(bytes).getText('text').toString(),
    history: () => doc.export({ mode: 'update' }),
    applyHistory (bytes) { const d = new L.LoroDoc(); d.import(bytes); return d.getText('text').toString() }
  }
}

let base = null
function textBase () {
  if (!base) base = A.change(A.init({ actor: 'ff' }), d => { d.text = '' })
  return base
}
const actorHex = (i) => (i + 1).toString(16).padStart(2, '0').repeat(8)
const byteLength = (u) => (u instanceof Uint8Array ? u.length : u.byteLength)

// ---- text: automerge-paper, one update per keystroke ------------------------------------------

function runText (r) {
  const trace = readTrace('automerge-paper')
  r.edits = trace.txns.length
  gc()
  const before = process.memoryUsage()
  const replica = textReplica(0)
  let t = now()
  for (const txn of trace.txns) for (const [pos, del, ins] of txn.patches) replica.keystroke(pos, del, ins)
  r.replay_ms = now() - t
  check(replica.text() === trace.endContent, 'the replayed text is not endContent')
  gc()
  const after = process.memoryUsage()
  r.mem_rss_mb = mb(after.rss - before.rss)
  r.mem_heap_mb = mb(after.heapUsed + after.external - before.heapUsed - before.external)
  t = now()
  const encoded = replica.encode()
  r.encode_ms = now() - t
  r.encoded_bytes = encoded.length
  t = now()
  const loaded = replica.load(encoded)
  r.load_ms = now() - t
  check(loaded === trace.endContent, 'the loaded text is not endContent')
  const history = replica.history()
  r.ship_bytes = history.length
  t = now()
  const shipped = replica.applyHistory(history)
  r.ship_apply_ms = now() - t
  check(shipped === trace.endContent, 'the shipped replica\'s text is not endContent')
}

// ---- concurrent: friendsforever, one replica per agent -----------------------------------------

function runConcurrent (r) {
  const trace = readTrace('friendsforever')
  const txns = trace.txns
  r.txns = txns.length
  r.agents = trace.numAgents
  const updates = new Array(txns.length)
  const replicas = []
  for (let a = 0; a < trace.numAgents; a++) replicas.push({ replica: textReplica(a), has: new Uint8Array(txns.length) })
  // The transactions `target` (an indexes list) depends on that `rep` lacks, in trace order (a
  // topological order). A replica's set is closed under parents, so the walk stops at one it has.
  const missing = (rep, roots) => {
    const out = []; const stack = roots.filter(p => !rep.has[p])
    const seen = new Set(stack)
    while (stack.length) {
      const i = stack.pop(); out.push(i)
      for (const p of txns[i].parents) if (!rep.has[p] && !seen.has(p)) { seen.add(p); stack.push(p) }
    }
    return out.sort((x, y) => x - y)
  }
  const deliver = (rep, list) => {
    rep.replica.receive(list.map(i => updates[i]))
    for (const i of list) rep.has[i] = 1
  }
  const t = now()
  for (let i = 0; i < txns.length; i++) {
    const rep = replicas[txns[i].agent]
    deliver(rep, missing(rep, txns[i].parents))
    updates[i] = rep.replica.edit(txns[i].patches)
    rep.has[i] = 1
  }
  const tMerge = now()
  const all = txns.map((_, i) => i)
  for (const rep of replicas) deliver(rep, all.filter(i => !rep.has[i]))
  r.merge_ms = now() - tMerge
  r.replay_ms = now() - t
  for (const rep of replicas) check(rep.replica.text() === trace.endContent, 'a replica does not end with endContent')
  r.update_bytes = updates.reduce((s, u) => s + byteLength(u), 0)
  r.encoded_bytes = replicas[0].replica.encode().length
}

// ---- array: 10,000 objects, 3 replicas, moves and removes --------------------------------------

const ITEMS = 10000; const MOVES = 3000; const REMOVES = 2000; const REPLICAS = 3

function listReplica (k) {
  if (Y) {
    const doc = new Y.Doc()
    doc.clientID = k + 1
    const list = doc.getArray('items')
    return {
      append (item) { list.push([item]) },
      move (from, to) { doc.transact(() => { const item = list.get(from); list.delete(from, 1); list.insert(to, [item]) }) },
      remove (i) { list.delete(i, 1) },
      ids: () => list.toArray().map(x => x.id),
      json: () => JSON.stringify(list.toJSON()),
      updateFor (other) { return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other.doc)) },
      receive (u) { Y.applyUpdate(doc, u) },
      encode: () => Y.encodeStateAsUpdate(doc),
      doc
    }
  }
  if (A) {
    const self = {
      doc: A.clone(listBase(), { actor: actorHex(k) }),
      append (item) { self.doc = A.change(self.doc, d => { d.items.push(item) }) },
      move (from, to) {
        self.doc = A.change(self.doc, d => {
          const item = { ...d.items[from] }
          d.items.deleteAt(from)
          d.items.insertAt(to, item)
        })
      },
      remove (i) { self.doc = A.change(self.doc, d => { d.items.deleteAt(i) }) },
      ids: () => self.doc.items.map(x => x.id),
      json: () => JSON.stringify(self.doc.items),
      updateFor (other) { return A.getChanges(other.doc, self.doc) },
      receive (changes) { [self.doc] = A.applyChanges(self.doc, changes) },
      encode: () => A.save(self.doc)
    }
    return self
  }
  const doc = new L.LoroDoc()
  doc.setPeerId(k + 1)
  const list = doc.getMovableList('items')
  return {
    append (item) { list.push(item); doc.commit() },
    move (from, to) { list.move(from, to); doc.commit() },
    remove (i) { list.delete(i, 1); doc.commit() },
    ids: () => list.toJSON().map(x => x.id),
    json: () => JSON.stringify(list.toJSON()),
    updateFor (other) { return doc.export({ mode: 'update', from: other.doc.oplogVersion() }) },
    receive (u) { doc.import(u) },
    encode: () => doc.export({ mode: 'snapshot' }),
    doc
  }
}

let listBaseDoc = null
function listBase () {
  if (!listBaseDoc) listBaseDoc = A.change(A.init({ actor: 'ff' }), d => { d.items = [] })
  return listBaseDoc
}

// Every replica receives what each other one has: replica 0 from all, then all from replica 0.
function mergeAll (replicas) {
  let bytes = 0
  const size = (u) => Array.isArray(u) ? u.reduce((s, c) => s + c.length, 0) : u.length
  for (let k = 1; k < replicas.length; k++) { const u = replicas[k].updateFor(replicas[0]); bytes += size(u); replicas[0].receive(u) }
  for (let k = 1; k < replicas.length; k++) { const u = replicas[0].updateFor(replicas[k]); bytes += size(u); replicas[k].receive(u) }
  return bytes
}

function runArray (r) {
  const rand = rng(SEED)
  const WORDS = ['buy', 'milk', 'call', 'plan', 'review', 'draft', 'send', 'report', 'fix', 'bug']
  const items = []
  for (let i = 0; i < ITEMS; i++) {
    let title = 'Item ' + i + ':'
    while (title.length < 40) title += ' ' + WORDS[Math.floor(rand() * WORDS.length)]
    items.push({ id: 'item-' + i, title, done: rand() < 0.3, n: Math.floor(rand() * 1000) })
  }
  // 5,000 distinct items: the first 3,000 are moved, the rest removed; item j's operation runs on
  // replica j % 3, so no item is touched by two replicas.
  const picked = []; const seen = new Set()
  while (picked.length < MOVES + REMOVES) { const i = Math.floor(rand() * ITEMS); if (!seen.has(i)) { seen.add(i); picked.push(i) } }
  const replicas = []; for (let k = 0; k < REPLICAS; k++) replicas.push(listReplica(k))
  const start = now()
  let t = now()
  for (let k = 0; k < REPLICAS; k++) for (let i = k; i < ITEMS; i += REPLICAS) replicas[k].append(items[i])
  r.append_ms = now() - t
  t = now()
  mergeAll(replicas)
  r.merge1_ms = now() - t
  for (const rep of replicas) check(rep.ids().length === ITEMS, 'the first merge does not hold every item')
  // Each replica's own view of the order, to find an item's index (the same harness work for every
  // library, kept in step with each operation).
  const mirrors = replicas.map(rep => rep.ids())
  const target = rng(SEED + 1)
  t = now()
  for (let j = 0; j < picked.length; j++) {
    const k = j % REPLICAS; const mirror = mirrors[k]; const id = 'item-' + picked[j]
    const from = mirror.indexOf(id)
    mirror.splice(from, 1)
    if (j < MOVES) {
      const to = Math.floor(target() * (mirror.length + 1))
      replicas[k].move(from, to)
      mirror.splice(to, 0, id)
    } else {
      replicas[k].remove(from)
    }
  }
  r.edit_ms = now() - t
  for (let k = 0; k < REPLICAS; k++) check(replicas[k].ids().join() === mirrors[k].join(), 'a replica\'s order is not its own edits\'')
  t = now()
  r.merge_bytes = mergeAll(replicas)
  r.merge_ms = now() - t
  r.total_ms = now() - start
  const json = replicas[0].json()
  for (const rep of replicas) check(rep.json() === json, 'the replicas differ after the merge')
  const ids = replicas[0].ids()
  const removed = new Set(picked.slice(MOVES).map(i => 'item-' + i))
  check(ids.length === ITEMS - REMOVES && new Set(ids).size === ids.length && !ids.some(id => removed.has(id)),
    'the merged list is not the 8,000 expected items once each')
  r.items = ids.length
  r.encoded_bytes = replicas[0].encode().length
}

// ----------------------------------------------------------------------------------------------

const version = (name) => JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve(name)).split('node_modules')[0], 'node_modules', name, 'package.json'), 'utf8')).version
const r = { workload, lib, version: version({ yjs: 'yjs', automerge: '@automerge/automerge', loro: 'loro-crdt' }[lib]) }
if (workload === 'array') r.seed = SEED
const tStart = now()
;({ text: runText, concurrent: runConcurrent, array: runArray })[workload](r)
r.rss_peak_mb = process.resourceUsage().maxRSS / 1024
r.total_process_ms = now() - tStart
for (const k of Object.keys(r)) if (typeof r[k] === 'number' && !Number.isInteger(r[k])) r[k] = Math.round(r[k] * 10) / 10
console.log(JSON.stringify(r))

// The crdtdb web console (docs/http.md, "Console"): plain JavaScript over the node's JSON API.
// Everything shown comes from the API; document text is only ever set as text, never as HTML.
'use strict';

(() => {
  const POLL_MS = 2000;
  const HISTORY_MS = 5 * 60 * 1000;
  const PAGE_SIZE = 20;

  const $ = (id) => document.getElementById(id);

  // An element with text children (strings) or element children.
  function el(tag, className, ...children) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    element.append(...children.map((c) => (c instanceof Node ? c : String(c))));
    return element;
  }

  function stateCell(ok, text, warn) {
    return el('td', 'state ' + (ok ? 'ok' : warn ? 'warn' : 'bad'), text);
  }

  function duration(seconds) {
    if (seconds < 120) return seconds + ' s';
    if (seconds < 7200) return Math.floor(seconds / 60) + ' min';
    if (seconds < 172800) return Math.floor(seconds / 3600) + ' h';
    return Math.floor(seconds / 86400) + ' d';
  }

  function lag(ms) {
    if (ms === undefined || ms === null) return '–';
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }

  // ---- the API ----
  // With security.http_tokens set, every request needs the bearer token, this page's files too
  // (interfaces.md section 7): whatever added it to the page's request (a proxy, the browser) adds
  // it to these, so the page sends none of its own (docs/http.md, "Console").

  function showBanner(text) {
    $('banner').textContent = text;
    $('banner').hidden = !text;
  }

  // {status, json, etag}; status 0 when the node could not be reached.
  async function api(method, path, options = {}) {
    const headers = {};
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch) headers['If-Match'] = options.ifMatch;
    let response;
    try {
      response = await fetch(path, {method, headers, body: options.body, cache: 'no-store'});
    } catch (error) {
      showBanner('The node does not answer (' + error.message + '): is it running?');
      return {status: 0, json: null, etag: null};
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (error) { json = null; }
    if (response.status === 401 || response.status === 403) {
      showBanner('The node refused the request (' + response.status + '): it needs a bearer token of ' +
                 'security.http_tokens on every request (docs/http.md, "Console").');
    } else {
      showBanner('');
    }
    return {status: response.status, json, etag: response.headers.get('ETag')};
  }

  function reasonOf(answer) {
    if (answer.json && answer.json.reason) return answer.json.reason + ' (' + answer.status + ')';
    return 'HTTP ' + answer.status;
  }

  // ---- views ----

  const views = ['cluster', 'documents', 'charts'];

  function showView() {
    const wanted = location.hash.slice(1);
    const current = views.includes(wanted) ? wanted : 'cluster';
    for (const view of views) {
      $('view-' + view).hidden = view !== current;
      $('nav-' + view).classList.toggle('current', view === current);
    }
    if (current === 'charts') drawCharts();
  }

  // ---- the cluster, polled ----

  const samples = [];  // {time, nodes: {name: {written, deltas}}, lag: {region: ms}}

  // The nodes of a region's status. A one-node region's status is its node's own (docs/http.md):
  // that node, named as the region, is the only one.
  function nodesOf(status) {
    return status.nodes || [{name: status.region, reachable: true, ...status}];
  }

  function renderCluster(status) {
    $('where').textContent = 'cluster ' + status.cluster + ' · region ' + status.region;
    const nodes = nodesOf(status);
    const unavailable = status.unavailable_partitions || [];
    const summary = $('cluster-summary');
    summary.replaceChildren();
    const fact = (name, value) => summary.append(el('div', '', el('b', '', name), value));
    fact('cluster', status.cluster);
    fact('region', status.region);
    fact('state', status.healthy ? 'healthy' : 'unhealthy');
    fact('documents', status.documents);
    fact('nodes', nodes.length);
    if (status.partitions !== undefined) {
      fact('partitions', status.partitions + (unavailable.length ? ' (' + unavailable.length + ' unavailable)' : ''));
    }
    fact('merkle root', status.merkle_root === null ? '–' : String(status.merkle_root).slice(0, 12));

    // Other regions as this region's nodes see them: connected when any node hears from it.
    const regions = new Map();
    const links = [];
    for (const n of nodes) {
      for (const p of n.peers || []) {
        links.push({node: n.name, peer: p});
        if (p.region === status.region) continue;  // a link inside the region, if any is listed
        const seen = regions.get(p.region) || {connected: false, lag: 0, from: []};
        seen.connected = seen.connected || p.connected;
        seen.lag = Math.max(seen.lag, p.lag_ms);
        seen.from.push(n.name);
        regions.set(p.region, seen);
      }
    }
    const regionRows = [el('tr', '', el('td', '', status.region + ' (this region)'),
                           stateCell(status.healthy, status.healthy ? 'healthy' : 'unhealthy'),
                           el('td', '', '–'), el('td', '', '–'))];
    for (const [name, seen] of regions) {
      const row = el('tr', '', el('td', '', name),
                     stateCell(seen.connected, seen.connected ? 'connected' : 'disconnected'),
                     el('td', '', lag(seen.lag)), el('td', '', seen.from.join(', ')));
      row.dataset.region = name;
      regionRows.push(row);
    }
    regionRows[0].dataset.region = status.region;
    $('regions').tBodies[0].replaceChildren(...regionRows);

    $('nodes').tBodies[0].replaceChildren(...nodes.map((n) => {
      let state;
      if (!n.reachable) state = stateCell(false, 'unreachable: ' + (n.error || ''));
      else if (!n.healthy) state = stateCell(false, 'unhealthy: ' + (n.last_error || ''));
      else state = stateCell(true, 'healthy');
      const row = el('tr', '', el('td', '', n.name), state, el('td', '', n.documents ?? '–'),
                     el('td', '', n.partitions ? n.partitions.length : 'all'), el('td', '', n.uptime_s === undefined ? '–' : duration(n.uptime_s)),
                     el('td', '', n.version || '–'));
      row.dataset.node = n.name;
      return row;
    }));

    $('links').tBodies[0].replaceChildren(...links.map(({node, peer}) => {
      const caughtUp = peer.connected && peer.lag_ms === 0;
      const row = el('tr', '', el('td', '', node), el('td', '', peer.region),
                     stateCell(peer.connected, peer.connected ? (caughtUp ? 'connected' : 'connected, catching up') : 'disconnected', peer.connected),
                     el('td', '', lag(peer.lag_ms)), el('td', '', peer.behind_deltas),
                     el('td', '', peer.unacknowledged_deltas ?? '–'),
                     el('td', '', peer.anti_entropy_running ? 'running' : 'idle'),
                     el('td', '', peer.apply_failures));
      row.dataset.link = node + '>' + peer.region;
      return row;
    }));
    $('updated').textContent = 'Last: ' + new Date().toLocaleTimeString();
  }

  function record(status) {
    const sample = {time: Date.now(), nodes: {}, lag: {}};
    for (const n of nodesOf(status)) {
      if (!n.reachable) continue;
      sample.nodes[n.name] = {written: n.documents_written, deltas: n.deltas_sent + n.deltas_received};
      for (const p of n.peers || []) sample.lag[p.region] = Math.max(sample.lag[p.region] || 0, p.lag_ms);
    }
    samples.push(sample);
    while (samples.length && sample.time - samples[0].time > HISTORY_MS) samples.shift();
  }

  // Per second between successive samples, over the nodes present in both (a node that restarted
  // starts its counters again: it is left out of that step).
  function rates(key) {
    const points = [];
    for (let i = 1; i < samples.length; i++) {
      const before = samples[i - 1], after = samples[i];
      let sum = 0, any = false;
      for (const [name, counters] of Object.entries(after.nodes)) {
        const earlier = before.nodes[name];
        if (!earlier || counters[key] < earlier[key]) continue;
        sum += counters[key] - earlier[key];
        any = true;
      }
      points.push([after.time, any ? (sum * 1000) / (after.time - before.time) : null]);
    }
    return points;
  }

  function drawCharts() {
    if ($('view-charts').hidden) return;
    const now = Date.now();
    window.CrdtdbCharts.draw($('chart-throughput'), $('legend-throughput'), [
      {name: 'documents written', points: rates('written')},
      {name: 'deltas sent + received', points: rates('deltas')},
    ], now, HISTORY_MS);
    const regions = new Set();
    for (const s of samples) for (const r of Object.keys(s.lag)) regions.add(r);
    window.CrdtdbCharts.draw($('chart-lag'), $('legend-lag'), [...regions].sort().map((r) => ({
      name: r, points: samples.map((s) => [s.time, r in s.lag ? s.lag[r] : null]),
    })), now, HISTORY_MS);
  }

  let polling = false;  // a poll is in flight or scheduled

  async function poll() {
    polling = true;
    try {
      const answer = await api('GET', '/v1/status?scope=region');
      if (answer.status === 200 && answer.json) {
        renderCluster(answer.json);
        record(answer.json);
        drawCharts();
      } else if (answer.status !== 0 && answer.status !== 401 && answer.status !== 403) {
        showBanner('Status: ' + reasonOf(answer));
      }
    } finally {
      // A failed poll (even a bug in drawing it, which the browser still reports) is not the last.
      if (polling) setTimeout(poll, POLL_MS);
    }
  }

  // ---- documents ----

  const browsing = {collection: '', starts: [''], next: null};  // starts: start_after of each page shown
  const opened = {collection: '', id: '', etag: null};

  function docPath(collection, id) {
    return '/v1/docs/' + encodeURIComponent(collection) + (id === undefined ? '' : '/' + encodeURIComponent(id));
  }

  async function showPage() {
    const start = browsing.starts[browsing.starts.length - 1];
    const query = '?limit=' + PAGE_SIZE + (start ? '&start_after=' + encodeURIComponent(start) : '');
    const answer = await api('GET', docPath(browsing.collection) + query);
    const body = $('doc-list').tBodies[0];
    if (answer.status !== 200) {
      body.replaceChildren(el('tr', '', el('td', 'state bad', reasonOf(answer)), el('td', '', '')));
      $('page-next').disabled = true;
      return;
    }
    const documents = answer.json.documents;
    body.replaceChildren(...documents.map(({id, doc}) => {
      const link = el('button', 'doc-link', id);
      link.type = 'button';
      link.addEventListener('click', () => openDocument(browsing.collection, id));
      const text = JSON.stringify(doc);
      const row = el('tr', '', el('td', '', link), el('td', 'preview', text.length > 100 ? text.slice(0, 100) + '…' : text));
      row.dataset.id = id;
      return row;
    }));
    if (documents.length === 0) body.replaceChildren(el('tr', '', el('td', 'muted', 'no documents'), el('td', '', '')));
    browsing.next = answer.json.next_start_after ?? null;
    $('page-next').disabled = browsing.next === null;
    $('page-prev').disabled = browsing.starts.length < 2;
    const first = (browsing.starts.length - 1) * PAGE_SIZE + 1;
    $('page-info').textContent = browsing.collection + ': page ' + browsing.starts.length +
        (documents.length ? ', documents ' + first + '–' + (first + documents.length - 1) : '');
  }

  function showMessage(text, ok) {
    $('doc-message').textContent = text;
    $('doc-message').className = ok ? 'ok' : 'error';
  }

  function renderConflicts(conflicts) {
    const box = $('doc-conflicts');
    const fields = Object.entries(conflicts || {});
    if (fields.length === 0) {
      box.replaceChildren(el('p', 'muted', 'none: every field has one value'));
      return;
    }
    const rows = fields.map(([pointer, values]) => el('tr', '', el('td', 'json', pointer),
        el('td', 'json', ...values.map((v, i) => el('div', '', JSON.stringify(v) + (i === 0 ? '  (shown)' : ''))))));
    const table = el('table', '', el('thead', '', el('tr', '', el('th', '', 'field'), el('th', '', 'values, the one shown first'))),
                     el('tbody', '', ...rows));
    table.id = 'conflict-table';
    // A write replaces what it writes, every concurrent value of those fields included.
    box.replaceChildren(table, el('p', 'muted', 'Saving writes the document as you edit it: its values replace the ones listed here.'));
  }

  async function openDocument(collection, id) {
    $('doc-delete-confirm').hidden = true;
    const answer = await api('GET', docPath(collection, id) + '?conflicts=true');
    $('doc-view').hidden = false;
    $('doc-title').textContent = collection + '/' + id;
    if (answer.status !== 200) {
      opened.etag = null;
      showMessage('Cannot open: ' + reasonOf(answer), false);
      return;
    }
    Object.assign(opened, {collection, id, etag: answer.etag});
    $('doc-etag').textContent = answer.etag || '';
    renderConflicts(answer.json.conflicts);
    $('doc-editor').value = JSON.stringify(answer.json.doc, null, 2);
    showMessage('', true);
  }

  async function saveDocument() {
    const text = $('doc-editor').value;
    try {
      JSON.parse(text);
    } catch (error) {
      showMessage('Not saved: the text is not valid JSON (' + error.message + ').', false);
      return;
    }
    const answer = await api('PUT', docPath(opened.collection, opened.id), {body: text, ifMatch: opened.etag});
    if (answer.status === 200) {
      opened.etag = answer.etag;
      $('doc-etag').textContent = answer.etag || '';
      $('doc-editor').value = JSON.stringify(answer.json, null, 2);
      showMessage('Saved. The new version is ' + answer.etag + '.', true);
      if (browsing.collection === opened.collection) showPage();  // the list shows the new text
    } else if (answer.status === 412) {
      showMessage('Not saved: this document was changed by someone else since you opened it ' +
                  '(412 Precondition Failed). Reload to see the current version, then make your edit again.', false);
    } else {
      showMessage('Not saved: ' + reasonOf(answer), false);
    }
  }

  // Deletes the open document if it is still the version shown (If-Match): a document changed
  // since is not deleted blindly (412).
  async function deleteDocument() {
    $('doc-delete-confirm').hidden = true;
    const answer = await api('DELETE', docPath(opened.collection, opened.id), {ifMatch: opened.etag});
    if (answer.status === 204) {
      $('doc-editor').value = '';
      $('doc-etag').textContent = '';
      $('doc-conflicts').replaceChildren();
      opened.etag = null;
      showMessage('Deleted ' + opened.collection + '/' + opened.id + '.', true);
      if (browsing.collection === opened.collection) showPage();
    } else if (answer.status === 412) {
      showMessage('Not deleted: this document was changed by someone else since you opened it ' +
                  '(412 Precondition Failed). Reload to see the current version.', false);
    } else {
      showMessage('Not deleted: ' + reasonOf(answer), false);
    }
  }

  // Creates a document of the collection being browsed. An id in use is refused here rather than
  // overwritten: the page reads it first (a write racing in between is what the CRDT merges).
  async function createDocument() {
    const collection = browsing.collection;
    const id = $('new-id').value.trim();
    const text = $('new-body').value;
    const say = (message, ok) => { $('new-message').textContent = message; $('new-message').className = ok ? 'ok' : 'error'; };
    if (!collection) return say('Not created: browse a collection first.', false);
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      return say('Not created: the text is not valid JSON (' + error.message + ').', false);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return say('Not created: a document is a JSON object.', false);
    const existing = await api('GET', docPath(collection, id));
    if (existing.status === 200) return say('Not created: ' + collection + '/' + id + ' exists; open it to edit it.', false);
    if (existing.status !== 404) return say('Not created: ' + reasonOf(existing), false);
    const answer = await api('PUT', docPath(collection, id), {body: text});
    if (answer.status !== 200) return say('Not created: ' + reasonOf(answer), false);
    say('Created ' + collection + '/' + id + '.', true);
    $('new-id').value = '';
    showPage();
    openDocument(collection, id);
  }

  // ---- start ----

  function start() {
    window.addEventListener('hashchange', showView);
    showView();
    $('collection-form').addEventListener('submit', (event) => {
      event.preventDefault();
      Object.assign(browsing, {collection: $('collection').value.trim(), starts: [''], next: null});
      showPage();
    });
    $('page-next').addEventListener('click', () => { browsing.starts.push(browsing.next); showPage(); });
    $('page-prev').addEventListener('click', () => { browsing.starts.pop(); showPage(); });
    $('doc-save').addEventListener('click', saveDocument);
    $('doc-reload').addEventListener('click', () => openDocument(opened.collection, opened.id));
    $('doc-delete').addEventListener('click', () => { $('doc-delete-confirm').hidden = false; });
    $('doc-delete-confirm').addEventListener('click', deleteDocument);
    $('new-form').addEventListener('submit', (event) => {
      event.preventDefault();
      createDocument();
    });
    poll();
  }

  start();
})();

/*
 * cimjob's jobs page: a Redfish client in the browser, no framework, no external asset.
 *
 * Log in opens a Redfish session (POST to the service root's Links.Sessions); every request then
 * carries its X-Auth-Token. The jobs are the TaskService's Tasks; the page keeps one copy of each
 * Task document and refreshes a Task when the EventService's SSE stream names it (a fetch()-based
 * reader, because EventSource cannot send the token header). It polls only while the stream is
 * down, and reconnects with a growing delay. The list is paged, so 10 000 jobs stay cheap: only
 * the rows of one page are in the document. Every text from the service goes in as textContent.
 */
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);

  // ---- the DMTF tables the page shows in words ------------------------------------------------
  const FINAL = new Set(['Completed', 'Cancelled', 'Killed', 'Exception']);
  const JOB_STATE = { 2: 'New', 3: 'Starting', 4: 'Running', 5: 'Suspended', 6: 'Shutting Down',
    7: 'Completed', 8: 'Terminated', 9: 'Killed', 10: 'Exception', 11: 'Service', 12: 'Query Pending' };
  // RequestStateChange's return codes (CIM_ConcreteJob), and libcimjob's vendor code.
  const RSC = { 0: 'Completed with No Error', 1: 'Not Supported', 2: 'Unknown/Unspecified Error',
    3: 'Can NOT complete within Timeout Period', 4: 'Failed', 5: 'Invalid Parameter', 6: 'In Use',
    4096: 'Method Parameters Checked - Transition Started', 4097: 'Invalid State Transition',
    4098: 'Use of Timeout Parameter Not Supported', 4099: 'Busy', 32768: 'Access Denied' };
  // KillJob's return codes: the library's general code (cimjob_rc). 6 differs from RSC's 6.
  const RC = { 0: 'Success', 1: 'Not Supported', 2: 'Unknown', 3: 'Timeout', 4: 'Failed',
    6: 'Access Denied', 7: 'Not Found', 32768: 'Invalid Parameter', 32769: 'Invalid State',
    32770: 'Busy', 32771: 'Out of Memory', 32772: 'Operating System Error', 32773: 'Invalid Version',
    32774: 'Invalid Datetime', 32775: 'Already Exists', 32776: 'Buffer Too Small',
    32777: 'No Backend', 32778: 'Would Block' };
  const HTTP = { 0: 'no answer (network error)', 200: 'OK', 201: 'Created', 202: 'Accepted',
    204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
    500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable' };

  // ---- state -------------------------------------------------------------------------------------
  const S = {
    auth: null,          // {token, session, user}: the Redfish session
    sessionsUri: '/redfish/v1/SessionService/Sessions',
    tasksUri: '/redfish/v1/TaskService/Tasks',
    taskService: null,
    sseUri: null,
    expand: false,       // the service answers $expand=. on the collection
    readOnly: false,     // the account may not start or change jobs
    tasks: new Map(),    // @odata.id -> Task document (or a stub while it loads)
    view: [],            // the filtered, sorted @odata.ids
    page: 0,
    pageSize: 50,
    pending: new Set(),  // Tasks an event named, to fetch again
    seq: new Map(),      // @odata.id -> the number of its latest GET in flight
    flushing: false,
    streamUp: false,
    streamCtl: null,
    streamRetry: 0,
    streamTimer: 0,
    lastEventId: null,
    pollTimer: 0,
    renderTimer: 0,
    loaded: false,       // the collection was read once since log in
    gen: 0,              // bumps on logout: late answers of an older login are dropped
    stats: { events: 0, streamConnects: 0, polls: 0, taskGets: 0, collectionGets: 0, renders: 0,
      lastRenderMs: 0, maxRenderMs: 0 },
  };

  // ---- HTTP ----------------------------------------------------------------------------------------
  function authHeaders() {
    return S.auth && S.auth.token ? { 'X-Auth-Token': S.auth.token } : {};
  }

  // One request. Never throws: {status, ok, json, headers}. status 0 is a network error.
  async function api(method, uri, body) {
    const gen = S.gen;
    const h = Object.assign({ Accept: 'application/json' }, authHeaders());
    if (body !== undefined) h['Content-Type'] = 'application/json';
    let res;
    try {
      // credentials 'omit': the token is the only credential, and no browser password prompt.
      res = await fetch(uri, { method, headers: h, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { status: 0, ok: false, json: null, headers: new Headers(), stale: gen !== S.gen };
    }
    let json = null;
    const text = await res.text().catch(() => '');
    if (text) { try { json = JSON.parse(text); } catch (e) { json = null; } }
    if (res.status === 401 && S.auth && gen === S.gen) sessionEnded('Your session has ended: log in again.');
    return { status: res.status, ok: res.ok, json, headers: res.headers, stale: gen !== S.gen };
  }

  // The Redfish error text of an answer: @Message.ExtendedInfo or error.message.
  function errorText(r) {
    const j = r.json || {};
    const info = (j.error && j.error['@Message.ExtendedInfo']) || j['@Message.ExtendedInfo'] || [];
    const msgs = info.map((m) => m.Message || m.MessageId).filter(Boolean);
    if (msgs.length) return msgs.join(' ');
    if (j.error && j.error.message) return j.error.message;
    return '';
  }

  const httpWords = (s) => 'HTTP ' + s + (HTTP[s] ? ' ' + HTTP[s] : '');

  // ---- login and logout ------------------------------------------------------------------------
  async function discover() {
    const root = await api('GET', '/redfish/v1/');
    if (root.ok && root.json) {
      const j = root.json;
      if (j.Links && j.Links.Sessions) S.sessionsUri = j.Links.Sessions['@odata.id'];
      const pf = j.ProtocolFeaturesSupported;
      S.expand = !!(pf && pf.ExpandQuery && (pf.ExpandQuery.NoLinks || pf.ExpandQuery.ExpandAll));
      S.rootTasks = j.Tasks && j.Tasks['@odata.id'];
      S.rootEvents = j.EventService && j.EventService['@odata.id'];
    }
  }

  async function login(user, pass) {
    await discover();
    const r = await api('POST', S.sessionsUri, { UserName: user, Password: pass });
    if (r.status === 201 || r.status === 200) {
      const token = r.headers.get('X-Auth-Token');
      const session = r.headers.get('Location') || (r.json && r.json['@odata.id']);
      if (!token || !session) return 'The service opened a session but sent no X-Auth-Token or Location.';
      S.auth = { token, session, user };
      try { sessionStorage.setItem('cimjob.auth', JSON.stringify(S.auth)); } catch (e) { /* private mode */ }
      return null;
    }
    if (r.status === 401 || r.status === 400) return 'Wrong user name or password.';
    return 'Log in failed: ' + httpWords(r.status) + (errorText(r) ? ': ' + errorText(r) : '');
  }

  function stopAll() {
    S.gen++;
    if (S.streamCtl) S.streamCtl.abort();
    S.streamCtl = null;
    S.streamUp = false;
    clearTimeout(S.streamTimer);
    clearTimeout(S.pollTimer);
    S.pollTimer = 0;
    S.tasks.clear();
    S.pending.clear();
    S.seq.clear();
    S.view = [];
    S.page = 0;
    S.loaded = false;
  }

  function sessionEnded(message) {
    stopAll();
    S.auth = null;
    try { sessionStorage.removeItem('cimjob.auth'); } catch (e) { /* ignore */ }
    showLogin(message);
  }

  async function logout() {
    const a = S.auth;
    let note = '';
    if (a) {
      const r = await api('DELETE', a.session); // ends the session on the service
      if (!r.ok && r.status !== 401 && r.status !== 404) {
        note = 'Logged out here, but the service did not end the session (' + httpWords(r.status) +
          '); it expires by itself.';
      }
    }
    sessionEnded(note);
  }

  function showLogin(message) {
    $('jobs-view').hidden = true;
    $('who').hidden = true;
    $('login-view').hidden = false;
    $('rows').textContent = '';
    $('login-error').textContent = message || '';
    $('login-pass').value = '';
    $('login-user').focus();
  }

  // ---- after login -------------------------------------------------------------------------------
  async function enter() {
    $('login-view').hidden = true;
    $('jobs-view').hidden = false;
    $('who').hidden = false;
    $('user').textContent = S.auth.user;
    setLive('connecting');
    await discover();
    const gen = S.gen;
    const tsUri = S.rootTasks || '/redfish/v1/TaskService';
    const ts = await api('GET', tsUri);
    if (gen !== S.gen) return;
    if (ts.ok && ts.json) {
      S.taskService = ts.json;
      if (ts.json.Tasks) S.tasksUri = ts.json.Tasks['@odata.id'];
    }
    const es = await api('GET', S.rootEvents || '/redfish/v1/EventService');
    if (gen !== S.gen) return;
    S.sseUri = (es.ok && es.json && es.json.ServerSentEventUri) || null;
    await findRole();
    if (gen !== S.gen) return;
    $('start').hidden = S.readOnly || !startAction();
    $('remove-finished').hidden = S.readOnly || !removeFinishedAction();
    // The stream first, then the collection (openStream reads it once connected, or the polling
    // does): nothing that changes in between is missed.
    openStream();
  }

  // A ReadOnly account may look, not act: hide what it may not use (the service checks anyway).
  // The role comes from the session's Roles (Session v1_7.0); without them every control shows,
  // and the service's answers say no.
  async function findRole() {
    S.readOnly = false;
    const r = await api('GET', S.auth.session);
    if (r.ok && r.json && Array.isArray(r.json.Roles) && r.json.Roles.length) {
      S.readOnly = r.json.Roles.every((x) => x === 'ReadOnly');
    }
  }

  // ---- the Tasks collection -------------------------------------------------------------------
  // Loads the collection; fetches the Tasks not known yet and, when `refresh`, the unfinished ones.
  async function loadAll(refresh) {
    const gen = S.gen;
    const seen = new Set();
    // Only what was known before the request can be missing from its answer: a Task that an
    // event brought in meanwhile is newer than the list.
    const before = new Set(S.tasks.keys());
    const need = [];
    let uri = S.tasksUri + (S.expand ? '?$expand=.($levels=1)' : '');
    while (uri) {
      S.stats.collectionGets++;
      const r = await api('GET', uri);
      if (gen !== S.gen) return false;
      if (!r.ok || !r.json) {
        report('List the jobs', null, r);
        return false;
      }
      for (const m of r.json.Members || []) {
        const id = m['@odata.id'];
        if (!id) continue;
        seen.add(id);
        const old = S.tasks.get(id);
        if (m.TaskState !== undefined) S.tasks.set(id, m);
        else if (!old) { S.tasks.set(id, { '@odata.id': id, Id: id.split('/').pop(), stub: true }); need.push(id); }
        else if (refresh && !FINAL.has(old.TaskState)) need.push(id);
      }
      uri = r.json['Members@odata.nextLink'] || null;
    }
    for (const id of before) if (!seen.has(id)) S.tasks.delete(id);
    invalidate();
    // Newest first, as the list shows them: the first page fills in first.
    need.sort((a, b) => newerFirst(S.tasks.get(a), S.tasks.get(b)));
    await fetchTasks(need);
    if (gen === S.gen) S.loaded = true;
    return true;
  }

  // GET each Task, six at a time (the browser's connections per host).
  async function fetchTasks(ids) {
    let i = 0;
    const worker = async () => {
      while (i < ids.length) await refreshTask(ids[i++]);
    };
    await Promise.all(Array.from({ length: Math.min(6, ids.length) }, worker));
  }

  async function refreshTask(id) {
    S.stats.taskGets++;
    // Answers can overtake each other: only the latest request for a Task may write it.
    const seq = (S.seq.get(id) || 0) + 1;
    S.seq.set(id, seq);
    const r = await api('GET', id);
    if (r.stale || S.seq.get(id) !== seq) return;
    S.seq.delete(id);
    if (r.ok && r.json) S.tasks.set(id, r.json);
    else if (r.status === 404 || r.status === 403 || r.status === 410) S.tasks.delete(id); // gone, or not ours
    invalidate();
  }

  function queueRefresh(id) {
    S.pending.add(id);
    if (!S.flushing) flush();
  }

  async function flush() {
    S.flushing = true;
    while (S.pending.size) {
      const ids = [...S.pending];
      S.pending.clear();
      await fetchTasks(ids);
    }
    S.flushing = false;
  }

  // ---- the event stream ------------------------------------------------------------------------
  function setLive(how) {
    const el = $('live');
    el.className = 'live' + (how === 'up' ? ' up' : how === 'down' ? ' down' : '');
    el.textContent = how === 'up' ? 'live' : how === 'down' ? 'stream down: polling' : 'connecting';
  }

  async function openStream() {
    if (!S.auth) return;
    if (!S.sseUri) { streamDown(); return; }
    const gen = S.gen;
    const ctl = new AbortController();
    S.streamCtl = ctl;
    const h = Object.assign({ Accept: 'text/event-stream' }, authHeaders());
    if (S.lastEventId) h['Last-Event-ID'] = S.lastEventId;
    let res;
    try {
      res = await fetch(S.sseUri, { headers: h, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      if (gen === S.gen) streamDown();
      return;
    }
    if (gen !== S.gen) { ctl.abort(); return; }
    if (res.status === 401) { sessionEnded('Your session has ended: log in again.'); return; }
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok || !res.body || !type.startsWith('text/event-stream')) { streamDown(); return; }
    S.streamUp = true;
    S.stats.streamConnects++;
    const since = performance.now();
    clearTimeout(S.pollTimer);
    S.pollTimer = 0;
    setLive('up');
    loadAll(S.loaded); // the first list, or what changed while the stream was not there
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let data = [];
    let id = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          let line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line === '') {
            if (id !== null) S.lastEventId = id;
            if (data.length) onEvent(data.join('\n'));
            data = [];
            continue;
          }
          if (line[0] === ':') continue; // a comment: the service's keep-alive
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          let v = c < 0 ? '' : line.slice(c + 1);
          if (v[0] === ' ') v = v.slice(1);
          if (field === 'data') data.push(v);
          else if (field === 'id') id = v;
        }
      }
    } catch (e) { /* aborted or the connection broke */ }
    // A stream that lived a while starts the back-off again; one the service keeps closing at
    // once backs off further (each reconnection also re-reads the list).
    if (performance.now() - since > 10000) S.streamRetry = 0;
    if (gen === S.gen) streamDown();
  }

  function streamDown() {
    S.streamUp = false;
    S.streamCtl = null;
    if (!S.auth) return;
    setLive('down');
    if (!S.pollTimer) schedulePoll(0);
    const delay = Math.min(1000 * 2 ** S.streamRetry, 15000);
    S.streamRetry++;
    clearTimeout(S.streamTimer);
    S.streamTimer = setTimeout(openStream, delay);
  }

  // Polling: only while the stream is down.
  function schedulePoll(delay) {
    clearTimeout(S.pollTimer);
    S.pollTimer = setTimeout(async () => {
      if (S.streamUp || !S.auth) { S.pollTimer = 0; return; }
      S.stats.polls++;
      await loadAll(true);
      if (!S.streamUp && S.auth) schedulePoll(3000);
      else S.pollTimer = 0;
    }, delay);
  }

  // One SSE message: a Redfish Event whose records name Tasks (OriginOfCondition).
  function onEvent(text) {
    let doc;
    try { doc = JSON.parse(text); } catch (e) { return; }
    S.stats.events++;
    const records = Array.isArray(doc.Events) ? doc.Events : [doc];
    for (const rec of records) {
      let origin = rec.OriginOfCondition && rec.OriginOfCondition['@odata.id'];
      const mid = String(rec.MessageId || '');
      if (/^Base\.[0-9.]+\.EventBufferExceeded$/.test(mid)) {
        loadAll(true); // the service dropped events: read the list again
        continue;
      }
      if ((!origin || !origin.startsWith(S.tasksUri + '/')) && /^TaskEvent\./.test(mid) &&
          Array.isArray(rec.MessageArgs) && rec.MessageArgs.length) {
        origin = S.tasksUri + '/' + rec.MessageArgs[0];
      }
      if (!origin || !origin.startsWith(S.tasksUri + '/')) continue;
      if (/\.TaskRemoved$/.test(mid)) {
        S.tasks.delete(origin);
        S.pending.delete(origin);
        invalidate();
      } else {
        queueRefresh(origin);
      }
    }
  }

  // ---- rendering --------------------------------------------------------------------------------
  function invalidate() {
    if (!S.renderTimer) S.renderTimer = setTimeout(render, 60);
  }

  const oem = (t) => (t.Oem && (t.Oem.CimJob || t.Oem.cimjob)) || {};

  function matches(t, state, text) {
    if (state === 'active' && (t.stub || FINAL.has(t.TaskState))) return false;
    if (state === 'final' && !FINAL.has(t.TaskState)) return false;
    if (state && state !== 'active' && state !== 'final' && t.TaskState !== state) return false;
    if (text) {
      const hay = ((t.Name || '') + ' ' + (t.Id || '') + ' ' + (oem(t).InstanceID || '')).toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  }

  // The creation order the service gives a Task Id: `<incarnation>-<n>` (the LocalID of the
  // job's InstanceID, docs/cim-model.md: the incarnation is a lowercase hex token that grows from
  // one server start to the next, n counts up within it), or a bare number (older servers).
  // null for an Id of another shape (a LocalID the caller chose).
  function creationKey(id) {
    const m = /^(?:([0-9a-f]+)-)?([0-9]+)$/.exec(String(id));
    if (!m) return null;
    return { inc: m[1] || '', n: Number(m[2]) };
  }

  function compareKeys(ka, kb) {
    if (ka.inc !== kb.inc) {
      // Hex of different lengths: the longer is the larger (no leading zeros are written).
      if (ka.inc.length !== kb.inc.length) return ka.inc.length - kb.inc.length;
      return ka.inc < kb.inc ? -1 : 1;
    }
    return ka.n - kb.n;
  }

  // Newest first: by the creation order in the Id, else by StartTime, else by Id.
  function newerFirst(a, b) {
    const ka = creationKey(a.Id);
    const kb = creationKey(b.Id);
    if (ka && kb) {
      const c = compareKeys(ka, kb);
      if (c !== 0) return -c;
    }
    const sa = a.StartTime || '';
    const sb = b.StartTime || '';
    if (sa !== sb) return sa < sb ? 1 : -1;
    return String(b.Id).localeCompare(String(a.Id));
  }

  function render() {
    S.renderTimer = 0;
    if (!S.auth) return;
    const t0 = performance.now();
    const state = $('filter-state').value;
    const text = $('filter-text').value.trim().toLowerCase();
    const list = [];
    for (const t of S.tasks.values()) if (matches(t, state, text)) list.push(t);
    list.sort(newerFirst);
    S.view = list.map((t) => t['@odata.id']);
    const pages = Math.max(1, Math.ceil(list.length / S.pageSize));
    if (S.page >= pages) S.page = pages - 1;
    if (S.page < 0) S.page = 0;
    const from = S.page * S.pageSize;
    const shown = list.slice(from, from + S.pageSize);

    // Keep the keyboard focus on the same control across the redraw.
    const focusKey = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    const body = $('rows');
    const frag = document.createDocumentFragment();
    for (const t of shown) frag.appendChild(row(t));
    body.replaceChildren(frag);
    if (focusKey) {
      const b = body.querySelector('[data-key="' + CSS.escape(focusKey) + '"]');
      // A button the new state disables hands the focus to its row's first enabled one
      // (Terminate -> Remove once the job has ended).
      const next = b && (b.disabled ? b.closest('tr').querySelector('button:not(:disabled)') : b);
      if (next) next.focus();
    }

    $('empty').hidden = list.length !== 0;
    const total = S.tasks.size;
    $('count').textContent = list.length === total
      ? total.toLocaleString('en') + (total === 1 ? ' job' : ' jobs')
      : list.length.toLocaleString('en') + ' of ' + total.toLocaleString('en') + ' jobs';
    $('page-info').textContent = list.length
      ? 'Rows ' + (from + 1).toLocaleString('en') + '–' + (from + shown.length).toLocaleString('en') +
        ', page ' + (S.page + 1) + ' of ' + pages
      : 'No rows';
    $('page-first').disabled = $('page-prev').disabled = S.page === 0;
    $('page-next').disabled = $('page-last').disabled = S.page >= pages - 1;
    const ms = performance.now() - t0;
    S.stats.renders++;
    S.stats.lastRenderMs = ms;
    S.stats.maxRenderMs = Math.max(S.stats.maxRenderMs, ms);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  const pad = (n) => String(n).padStart(2, '0');

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function fmtDuration(s) {
    s = Math.max(0, Math.floor(s));
    const d = Math.floor(s / 86400);
    const h = Math.floor(s / 3600) % 24;
    const m = Math.floor(s / 60) % 60;
    const sec = s % 60;
    if (d) return d + 'd ' + pad(h) + 'h ' + pad(m) + 'm';
    if (h) return h + 'h ' + pad(m) + 'm ' + pad(sec) + 's';
    if (m) return m + 'm ' + pad(sec) + 's';
    return sec + 's';
  }

  // A CIM interval (ddddddddhhmmss.mmmmmm:000) in seconds, or NaN.
  function cimSeconds(v) {
    const m = /^(\d{8})(\d{2})(\d{2})(\d{2})\.(\d{6}):000$/.exec(String(v || ''));
    if (!m) return NaN;
    return ((+m[1] * 24 + +m[2]) * 60 + +m[3]) * 60 + +m[4] + +m[5] / 1e6;
  }

  function cimInterval(seconds) {
    let s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400);
    s %= 86400;
    return String(d).padStart(8, '0') + pad(Math.floor(s / 3600)) + pad(Math.floor(s / 60) % 60) +
      pad(s % 60) + '.000000:000';
  }

  function elapsed(t) {
    if (t.StartTime) {
      const start = Date.parse(t.StartTime);
      const end = t.EndTime ? Date.parse(t.EndTime) : (FINAL.has(t.TaskState) ? NaN : Date.now());
      if (!isNaN(start) && !isNaN(end)) return fmtDuration((end - start) / 1000);
    }
    const e = cimSeconds(oem(t).ElapsedTime);
    return isNaN(e) ? '' : fmtDuration(e);
  }

  function jobStateName(v) {
    if (v === undefined || v === null) return '';
    return typeof v === 'number' ? (JOB_STATE[v] || String(v)) : String(v);
  }

  function row(t) {
    const id = t['@odata.id'];
    const o = oem(t);
    const tr = el('tr');
    tr.dataset.id = id;
    const label = (t.Name || '(loading)') + ' (' + t.Id + ')';

    const name = el('td', 'name');
    name.appendChild(el('span', 'n', t.Name || (t.stub ? 'loading…' : '')));
    name.appendChild(document.createTextNode(' '));
    name.appendChild(el('span', 'id', '#' + t.Id));
    if (o.Owner) name.appendChild(el('span', 'owner', o.Owner));
    tr.appendChild(name);
    tr.appendChild(el('td', 'mono iid', o.InstanceID || ''));

    const st = el('td', 'st');
    if (t.TaskState) {
      st.appendChild(el('span', 'state ' + t.TaskState, t.TaskState));
      const js = jobStateName(o.JobState);
      if (js) st.appendChild(el('span', 'jobstate', 'JobState ' + js));
    }
    tr.appendChild(st);

    const started = el('td', 'mono start', fmtTime(t.StartTime));
    if (t.StartTime) started.title = t.StartTime;
    tr.appendChild(started);
    tr.appendChild(el('td', 'mono elapsed', elapsed(t)));

    const pc = el('td', 'pc');
    if (typeof t.PercentComplete === 'number') {
      const v = Math.max(0, Math.min(100, t.PercentComplete));
      const bar = el('span', 'bar');
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      bar.setAttribute('aria-valuenow', String(v));
      bar.setAttribute('aria-label', 'Progress of ' + label);
      const fill = el('span');
      fill.style.width = v + '%';
      bar.appendChild(fill);
      pc.appendChild(bar);
      pc.appendChild(el('span', 'pct', v + '%'));
    }
    tr.appendChild(pc);

    // Task Messages, each with the job's own words when it has them (Oem.CimJob: ErrorCode,
    // ErrorDescription, JobStatus); a failed job without messages still shows its ErrorCode.
    const msgs = el('td', 'msgs');
    for (const m of t.Messages || []) {
      const p = el('p', m.MessageSeverity || '');
      p.appendChild(el('span', 'm', m.Message || m.MessageId || ''));
      if (m.MessageId) p.title = m.MessageId;
      const mo = (m.Oem && m.Oem.CimJob) || {};
      const detail = [];
      if (mo.ErrorCode) detail.push('ErrorCode ' + mo.ErrorCode + (mo.ErrorDescription ? ': ' + mo.ErrorDescription : ''));
      else if (mo.ErrorDescription) detail.push(mo.ErrorDescription);
      if (mo.JobStatus) detail.push(mo.JobStatus);
      if (detail.length) p.appendChild(el('span', 'detail', detail.join('; ')));
      msgs.appendChild(p);
    }
    if (!(t.Messages || []).length && o.ErrorCode) {
      const p = el('p', 'Critical');
      p.appendChild(el('span', 'detail', 'ErrorCode ' + o.ErrorCode +
        (o.ErrorDescription ? ': ' + o.ErrorDescription : '')));
      msgs.appendChild(p);
    }
    tr.appendChild(msgs);
    tr.appendChild(el('td', 'cont', o.Containment || o.containment || ''));

    const acts = el('td', 'acts');
    if (!t.stub) {
      for (const op of OPS) {
        const b = el('button', op.danger ? 'danger' : '', op.label);
        b.type = 'button';
        b.dataset.op = op.key;
        b.dataset.key = id + '#' + op.key;
        b.setAttribute('aria-label', op.label + ' ' + label);
        b.disabled = S.readOnly || !op.allowed(t) || !actionFor(t, op.key);
        b.addEventListener('click', () => act(id, op));
        acts.appendChild(b);
      }
    }
    tr.appendChild(acts);
    return tr;
  }

  // Elapsed times of the shown unfinished jobs move on without asking the service.
  function tick() {
    for (const tr of $('rows').children) {
      const t = S.tasks.get(tr.dataset.id);
      if (t && t.StartTime && !FINAL.has(t.TaskState)) tr.querySelector('.elapsed').textContent = elapsed(t);
    }
  }

  // ---- actions --------------------------------------------------------------------------------
  const RUNNING_LIKE = new Set(['New', 'Starting', 'Running', 'Suspended', 'Service', 'Interrupted', 'Pending', 'Stopping']);
  const OPS = [
    { key: 'Terminate', label: 'Terminate', danger: true, allowed: (t) => RUNNING_LIKE.has(t.TaskState) },
    { key: 'Kill', label: 'Kill', danger: true, allowed: (t) => RUNNING_LIKE.has(t.TaskState) || t.TaskState === 'Cancelling' },
    { key: 'Suspend', label: 'Suspend', allowed: (t) => t.TaskState === 'Running' },
    { key: 'Resume', label: 'Resume', allowed: (t) => t.TaskState === 'Suspended' },
    { key: 'Remove', label: 'Remove', allowed: (t) => FINAL.has(t.TaskState) },
  ];

  // The Task's own OEM action whose name ends with `suffix` ("#CimJob.Suspend" -> its target).
  function taskAction(t, suffix) {
    const oemActs = (t.Actions && t.Actions.Oem) || {};
    for (const k of Object.keys(oemActs)) {
      if (k.endsWith('.' + suffix) && oemActs[k] && oemActs[k].target) return oemActs[k].target;
    }
    return null;
  }

  // What a button sends: {method, uri, body, codes}. codes names the return-code table.
  function actionFor(t, op) {
    const id = t['@odata.id'];
    if (op === 'Remove') return { method: 'DELETE', uri: id };
    if (op === 'Terminate') {
      // A TimeoutPeriod: RequestStateChange(Terminate) with it. None: DELETE, the Redfish way,
      // a Terminate with the service's own TimeoutPeriod (cimjob serve --terminate-timeout).
      const rsc = taskAction(t, 'RequestStateChange');
      const secs = Number($('term-timeout').value) || 0;
      if (rsc && secs > 0) {
        return { method: 'POST', uri: rsc, body: { RequestedState: 'Terminate', TimeoutPeriod: cimInterval(secs) },
          codes: RSC };
      }
      return { method: 'DELETE', uri: id };
    }
    const target = taskAction(t, op);
    if (target) return { method: 'POST', uri: target, body: {}, codes: op === 'Kill' ? RC : RSC };
    const rsc = taskAction(t, 'RequestStateChange');
    const requested = { Kill: 'Kill', Suspend: 'Suspend', Resume: 'Start' }[op];
    if (rsc && requested) return { method: 'POST', uri: rsc, body: { RequestedState: requested }, codes: RSC };
    return null;
  }

  // The CIM return code in an action's answer, if the service gives one: {value, name}. The
  // service puts it in a message's Oem.CimJob (ReturnValue, ReturnValueName), in the body itself
  // or in an error's @Message.ExtendedInfo.
  function returnCode(j) {
    if (!j) return null;
    const places = [j];
    for (const m of j['@Message.ExtendedInfo'] || []) places.push(m);
    for (const m of (j.error && j.error['@Message.ExtendedInfo']) || []) places.push(m);
    for (const p of places) {
      const o = (p.Oem && p.Oem.CimJob) || p;
      for (const k of ['ReturnValue', 'ReturnCode']) {
        if (typeof o[k] === 'number') return { value: o[k], name: o[k + 'Name'] || o.ReturnValueName || '' };
      }
    }
    return null;
  }

  function report(what, t, r, codes) {
    const who = t ? ' ' + (t.Name || '') + ' (#' + t.Id + ')' : '';
    let words = httpWords(r.status);
    const rc = returnCode(r.json);
    if (rc) {
      const name = rc.name || (codes || RSC)[rc.value] || '(unknown code)';
      words = 'ReturnValue ' + rc.value + ' ' + name + ', ' + words;
    }
    const detail = errorText(r);
    if (detail && !r.ok) words += ': ' + detail;
    const bad = !r.ok || (rc && rc.value !== 0 && rc.value !== 4096);
    const text = what + who + ': ' + words;
    const out = $('result');
    out.textContent = text;
    out.classList.toggle('bad', bad);
    const li = el('li', bad ? 'bad' : '', new Date().toLocaleTimeString('en-GB') + ' ' + text);
    const log = $('results');
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 50) log.removeChild(log.lastChild);
  }

  async function act(id, op) {
    const t = S.tasks.get(id);
    if (!t) return;
    const spec = actionFor(t, op.key);
    if (!spec) return;
    const r = await api(spec.method, spec.uri, spec.body);
    if (r.stale) return;
    report(op.label, t, r, spec.codes);
    if (op.key === 'Remove' && (r.ok || r.status === 404)) {
      S.tasks.delete(id);
      invalidate();
    } else {
      queueRefresh(id); // the stream says it too; this covers a stream that is down
    }
  }

  // TaskService.DeleteAllCompletedTasks: the finished tasks the account may remove.
  function removeFinishedAction() {
    const a = S.taskService && S.taskService.Actions &&
      S.taskService.Actions['#TaskService.DeleteAllCompletedTasks'];
    return a && a.target ? a.target : null;
  }

  async function removeFinished() {
    const target = removeFinishedAction();
    if (!target) return;
    const r = await api('POST', target, {});
    if (r.stale) return;
    report('Remove all finished jobs', null, r);
    if (!S.streamUp) loadAll(true);
  }

  // ---- starting a job ------------------------------------------------------------------------
  // The TaskService's OEM action that starts a job.
  function startAction() {
    const acts = (S.taskService && S.taskService.Actions && S.taskService.Actions.Oem) || {};
    for (const k of Object.keys(acts)) {
      if (/\.(StartJob|Start|CreateJob|Run)$/.test(k) && acts[k] && acts[k].target) return acts[k].target;
    }
    return null;
  }

  // Words of a command line as a POSIX shell splits them: quotes and backslashes, no expansion.
  function splitWords(s) {
    const out = [];
    let cur = null;
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === ' ' || c === '\t' || c === '\n') {
        if (cur !== null) { out.push(cur); cur = null; }
        i++;
      } else if (c === "'") {
        const j = s.indexOf("'", i + 1);
        if (j < 0) throw new Error('an unterminated single quote');
        cur = (cur || '') + s.slice(i + 1, j);
        i = j + 1;
      } else if (c === '"') {
        cur = cur || '';
        i++;
        for (;;) {
          if (i >= s.length) throw new Error('an unterminated double quote');
          if (s[i] === '"') { i++; break; }
          if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1])) { cur += s[i + 1]; i += 2; continue; }
          cur += s[i++];
        }
      } else if (c === '\\') {
        if (i + 1 >= s.length) throw new Error('a backslash at the end');
        cur = (cur || '') + s[i + 1];
        i += 2;
      } else {
        cur = (cur || '') + c;
        i++;
      }
    }
    if (cur !== null) out.push(cur);
    return out;
  }

  async function startJob(ev) {
    ev.preventDefault();
    const target = startAction();
    if (!target) return;
    let argv;
    try {
      argv = splitWords($('start-cmd').value);
    } catch (e) {
      report('Start', null, { status: 0, json: null, ok: false }, null);
      $('result').textContent = 'Start: the command line has ' + e.message + '.';
      return;
    }
    if (!argv.length) { $('start-cmd').focus(); return; }
    const body = { CommandLine: argv };
    const name = $('start-name').value.trim();
    if (name) body.Name = name;
    const secs = Number($('start-timeout').value) || 0;
    if (secs > 0) body.TimeoutPeriod = cimInterval(secs);
    $('start-submit').disabled = true;
    const r = await api('POST', target, body);
    $('start-submit').disabled = false;
    if (r.stale) return;
    const t = r.json && r.json.TaskState !== undefined ? r.json : null;
    report('Start ' + (name || argv[0]), null, r);
    if (t && t['@odata.id']) {
      S.tasks.set(t['@odata.id'], t);
      queueRefresh(t['@odata.id']);
    } else if (r.ok && !S.streamUp) {
      loadAll(false);
    }
    if (r.ok) $('start-cmd').value = '';
  }

  // ---- wiring ----------------------------------------------------------------------------------
  function init() {
    $('login').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('login-submit').disabled = true;
      $('login-error').textContent = '';
      const err = await login($('login-user').value.trim(), $('login-pass').value);
      $('login-submit').disabled = false;
      if (err) {
        $('login-error').textContent = err;
        $('login-pass').value = '';
        $('login-pass').focus();
        return;
      }
      $('login-pass').value = '';
      enter();
    });
    $('logout').addEventListener('click', logout);
    $('start-form').addEventListener('submit', startJob);
    $('remove-finished').addEventListener('click', removeFinished);
    $('filter-state').addEventListener('change', () => { S.page = 0; invalidate(); });
    let typing = 0;
    $('filter-text').addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => { S.page = 0; invalidate(); }, 150);
    });
    $('term-timeout').addEventListener('change', invalidate);
    $('page-size').addEventListener('change', () => {
      const first = S.page * S.pageSize;
      S.pageSize = Number($('page-size').value) || 50;
      S.page = Math.floor(first / S.pageSize);
      invalidate();
    });
    const go = (f) => () => { S.page = f(); invalidate(); };
    $('page-first').addEventListener('click', go(() => 0));
    $('page-prev').addEventListener('click', go(() => Math.max(0, S.page - 1)));
    $('page-next').addEventListener('click', go(() => S.page + 1));
    $('page-last').addEventListener('click', go(() => Math.max(0, Math.ceil(S.view.length / S.pageSize) - 1)));
    setInterval(tick, 1000);

    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem('cimjob.auth') || 'null'); } catch (e) { saved = null; }
    if (saved && saved.token) {
      S.auth = saved;
      enter();
    } else {
      showLogin('');
    }
  }

  // For the test driver and the curious: the page's state and counters, read-only by convention.
  window.cimjobUI = { state: S, splitWords, cimInterval, newerFirst, onEvent,
    act: (id, key) => act(id, OPS.find((o) => o.key === key)), render };
  init();
})();

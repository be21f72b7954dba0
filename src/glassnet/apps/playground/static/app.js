/* glassnet playground: the controls, the WebSocket to the server, and the URL state.
   The server owns the truth (config, network, history); the page sends partial
   configs and commands, and draws what comes back. */
"use strict";

(function () {
  const GN = window.GN;
  const $ = (id) => document.getElementById(id);
  const BATCHES = [1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128, 200, 256, 500, 1000, 0];
  const ICON_PLAY = '<svg viewBox="0 0 24 24" width="24" height="24"><path fill="currentColor" d="M8 5v14l11-7z"/></svg>';
  const ICON_PAUSE = '<svg viewBox="0 0 24 24" width="24" height="24"><path fill="currentColor" d="M6 5h4v14H6zM14 5h4v14h-4z"/></svg>';

  const S = {
    ws: null, session: null, config: null, options: null, limits: null,
    data: null, frame: null, playing: false, run: -1,
    hist: { loss: [], val_loss: [] }, netModel: null, pendingUrl: null,
  };
  window.GN.state = S;

  /* ------------------------------------------------------------ URL state */
  function readUrl() {  // each field parsed as the server's SETTINGS say (options.kinds)
    const q = new URLSearchParams(location.search);
    const patch = {}, kinds = S.options.kinds;
    const list = (v) => (v === "" ? [] : v.split(","));
    for (const [k, v] of q) {
      const kind = kinds[k];
      if (kind === "int" && /^-?\d+$/.test(v)) patch[k] = parseInt(v, 10);
      else if (kind === "float" && v !== "" && isFinite(Number(v))) patch[k] = Number(v);
      else if (kind === "str") patch[k] = v;
      else if (kind === "bool" && (v === "true" || v === "false")) patch[k] = v === "true";
      else if (kind === "ints") patch[k] = list(v).map((s) => parseInt(s, 10));
      else if (kind === "strs") patch[k] = list(v);
    }
    return Object.keys(patch).length ? patch : null;
  }

  function writeUrl() {
    const c = S.config, q = new URLSearchParams();
    for (const k of Object.keys(c)) q.set(k, Array.isArray(c[k]) ? c[k].join(",") : String(c[k]));
    history.replaceState(null, "", "?" + q.toString());
  }

  /* ------------------------------------------------------------ messages */
  function send(msg) {
    if (S.ws && S.ws.readyState === WebSocket.OPEN) S.ws.send(JSON.stringify(msg));
  }
  const setConfig = (patch) => send({ type: "config", config: patch });

  let msgTimer = null;
  function showMessage(text, isError = true) {
    const el = $("message");
    el.textContent = text;
    el.className = "message " + (isError ? "error" : "info");
    el.hidden = false;
    clearTimeout(msgTimer);
    msgTimer = setTimeout(() => { el.hidden = true; }, isError ? 7000 : 2500);
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    S.ws = ws;
    ws.onopen = () => { $("conn").textContent = "live"; $("conn").className = "conn ok"; };
    ws.onclose = () => {
      $("conn").textContent = "disconnected: reload the page";
      $("conn").className = "conn bad";
      setPlaying(false);
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      const handler = HANDLERS[msg.type];
      if (handler) handler(msg);
    };
  }

  const HANDLERS = {
    hello(msg) {
      S.session = msg.session; S.options = msg.options; S.limits = msg.limits;
      $("download").href = `/api/session/${S.session}/model`;
      buildControls();
      S.pendingUrl = readUrl();
    },
    config(msg) {
      S.config = msg.config;
      if (S.pendingUrl) {  // the link's setup, once, after the server's defaults
        const patch = S.pendingUrl;
        S.pendingUrl = null;
        setConfig(patch);
      }
      showConfig();
      writeUrl();
    },
    data(msg) { S.data = msg; drawAll(); },
    frame(msg) {
      if (msg.run !== S.run) { S.run = msg.run; S.hist = { loss: [], val_loss: [] }; }
      const h = msg.history;
      for (const key of ["loss", "val_loss"]) {
        S.hist[key].length = Math.min(S.hist[key].length, h.start);
        S.hist[key].push(...h[key]);
      }
      S.frame = msg;
      if ("playing" in msg) setPlaying(msg.playing);
      showStats();
      scheduleDraw();
    },
    status(msg) { setPlaying(msg.playing); },
    error(msg) { showMessage(msg.message); },
    pong() {},
  };

  /* ------------------------------------------------------------ controls */
  function fillSelect(el, values, labels, fmt) {
    el.innerHTML = "";
    values.forEach((v, i) => {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = labels ? labels[i] : fmt ? fmt(v) : String(v);
      el.appendChild(o);
    });
  }

  function buildControls() {
    const o = S.options;
    fillSelect($("optimizer"), Object.keys(o.optimizers), Object.values(o.optimizers));
    fillSelect($("lr"), o.lr);
    fillSelect($("schedule"), o.schedules, o.schedules.map((s) => s.replace("_", " ")));
    fillSelect($("l2"), o.l2);
    fillSelect($("l1"), o.l1);
    const fbox = $("features");
    fbox.innerHTML = "";
    for (const f of o.features) {  // one toggle per input feature
      const b = document.createElement("button");
      b.textContent = f;
      b.dataset.feature = f;
      b.id = `feature-${f}`;
      b.onclick = () => {
        const on = S.config.features.includes(f);
        const next = on ? S.config.features.filter((g) => g !== f) : [...S.config.features, f];
        setConfig({ features: o.features.filter((g) => next.includes(g)) });
      };
      fbox.appendChild(b);
    }
    fillSelect($("dropout"), o.dropout);
    for (const [name, help] of Object.entries(o.help)) {  // each control's help, from SETTINGS
      const el = $(name);
      if (el) el.title = help;
    }
    $("batch_size").max = BATCHES.length - 1;
    $("n_samples").max = S.limits.rows;
    const box = $("datasets");
    box.innerHTML = "";
    for (const [name, label] of Object.entries(o.datasets)) {
      const b = document.createElement("button");
      b.className = "dataset";
      b.dataset.name = name;
      b.id = `dataset-${name}`;
      b.title = label;
      const c = document.createElement("canvas");
      c.width = c.height = 52;
      GN.drawPreview(c, name);
      const span = document.createElement("span");
      span.textContent = label;
      b.append(c, span);
      b.onclick = () => {
        if (name === "csv") $("csv-file").click();
        else setConfig({ dataset: name });
      };
      box.appendChild(b);
    }
  }

  const fmtLr = (v) => String(Number(v));

  function setSelect(el, value) {
    const s = String(value);
    if (![...el.options].some((op) => op.value === s)) {
      const op = document.createElement("option");
      op.value = s; op.textContent = fmtLr(value);
      el.appendChild(op);
    }
    el.value = s;
  }

  function showConfig() {
    const c = S.config;
    setSelect($("optimizer"), c.optimizer);
    setSelect($("lr"), c.lr);
    setSelect($("schedule"), c.schedule);
    setSelect($("l2"), c.l2);
    setSelect($("l1"), c.l1);
    $("problem").value = c.problem;
    $("discretize").checked = c.discretize;
    const images = S.options.images.includes(c.dataset);
    $("problem").querySelector("[value=regression]").disabled = images;  // no digits there
    $("noise").disabled = $("n_samples").disabled = images;
    for (const b of document.querySelectorAll("#features button")) {
      b.classList.toggle("on", c.features.includes(b.dataset.feature));
      b.disabled = images;
    }
    const sets = S.options.problems[c.problem];
    for (const b of document.querySelectorAll(".dataset")) b.hidden = !sets.includes(b.dataset.name);
    setSelect($("dropout"), c.dropout);
    let bi = BATCHES.indexOf(c.batch_size);
    if (bi < 0) bi = BATCHES.findIndex((b) => b >= c.batch_size);
    $("batch_size").value = bi;
    $("batch_size-val").textContent = c.batch_size === 0 ? "full" : String(c.batch_size);
    $("seed").value = c.seed;
    for (const k of ["n_samples", "train_share", "noise"]) {
      $(k).value = c[k];
      $(`${k}-val`).textContent = k === "n_samples" ? c[k] : `${c[k]}%`;
    }
    for (const b of document.querySelectorAll(".dataset")) b.classList.toggle("selected", b.dataset.name === c.dataset);
    const n = c.layers.length;
    $("n-layers").textContent = String(n);
    $("n-layers").nextSibling.textContent = n === 1 ? " hidden layer" : " hidden layers";
    $("add-layer").disabled = n >= S.limits.layers;
    $("remove-layer").disabled = n === 0;
    buildLayerControls();
  }

  function buildLayerControls() {
    const c = S.config, box = $("layer-controls");
    box.innerHTML = "";
    c.layers.forEach((width, l) => {
      const d = document.createElement("div");
      d.className = "layer-ctl";
      d.dataset.layer = String(l);
      const plus = document.createElement("button"), minus = document.createElement("button");
      plus.className = minus.className = "round tiny";
      plus.textContent = "+"; minus.textContent = "\u2212";
      plus.title = "Add a neuron"; minus.title = "Remove a neuron";
      plus.disabled = width >= S.limits.neurons; minus.disabled = width <= 1;
      const resize = (delta) => {
        const layers = c.layers.slice();
        layers[l] = width + delta;
        setConfig({ layers, activations: c.activations });
      };
      plus.onclick = () => resize(1);
      minus.onclick = () => resize(-1);
      const lbl = document.createElement("div");
      lbl.className = "n";
      lbl.innerHTML = `<b>${width}</b><span> neuron${width === 1 ? "" : "s"}</span>`;
      const sel = document.createElement("select");
      fillSelect(sel, S.options.activations);
      sel.value = c.activations[l];
      sel.title = "Activation of this layer";
      sel.onchange = () => {
        const acts = c.activations.slice();
        acts[l] = sel.value;
        setConfig({ activations: acts });
      };
      const row = document.createElement("div");
      row.className = "pm";
      row.append(plus, minus);
      d.append(row, lbl, sel);
      box.appendChild(d);
    });
    placeLayerControls();
  }

  function placeLayerControls() {
    if (!S.config) return;
    const canvas = $("net"), W = canvas.clientWidth;
    const lay = GN.netLayout([2, ...S.config.layers, 2], W, 100);
    const width = Math.max(40, Math.min(74, lay.xs[1] - lay.xs[0] - 6));
    document.querySelectorAll(".layer-ctl").forEach((d) => {
      const l = Number(d.dataset.layer);
      d.style.width = `${width}px`;
      d.classList.toggle("narrow", width < 74);
      d.style.left = `${lay.xs[l + 1] - width / 2}px`;
    });
  }

  function setPlaying(p) {
    // every frame says whether it is playing; redraw the button only on a change, or a
    // click held across a frame would end on a new icon and the browser would drop it
    if (p === S.playing && $("play").firstChild) return;
    S.playing = p;
    $("play").innerHTML = p ? ICON_PAUSE : ICON_PLAY;
    $("play").classList.toggle("playing", p);
    $("play").setAttribute("aria-label", p ? "pause" : "play");
  }

  function showStats() {
    const f = S.frame;
    $("epoch").textContent = String(f.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const num = (v, fmt) => (typeof v === "number" ? fmt(v) : "\u2014");  // null: not finite
    for (const [id, v] of [["test-loss", f.test_loss], ["train-loss", f.train_loss]]) {
      $(id).textContent = num(v, (x) => x.toFixed(3));
      $(id).dataset.value = String(v);
    }
    $("test-acc").textContent = num(f.test_acc, (x) => `(${(100 * x).toFixed(1)}% right)`);
    $("train-acc").textContent = num(f.train_acc, (x) => `(${(100 * x).toFixed(1)}% right)`);
    $("cur-lr").textContent = num(f.lr, (x) => x.toPrecision(3));
    const m = f.monitor;  // update/weight ratio: about 1e-3 is healthy
    $("cur-ratio").textContent = m ? num(m.update_ratio_median, (x) => `update/weight ${x.toExponential(1)}`) : "";
    let n = 0;
    for (let i = 0; i + 1 < f.sizes.length; i++) n += (f.sizes[i] + 1) * f.sizes[i + 1];
    $("n-params").textContent = `${n} parameters`;
  }

  /* ------------------------------------------------------------ drawing */
  let drawPending = false;
  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawAll(); });
  }

  function sizeNetCanvas() {
    const c = $("net"), dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
  }

  function drawAll() {
    GN.drawHeatmap($("heatmap"), S.frame, S.data, $("show-test").checked, S.config && S.config.discretize);
    if (!$("formula-panel").hidden) $("formula").textContent = formulaText();
    GN.drawLossChart($("loss-chart"), S.hist);
    sizeNetCanvas();
    S.netModel = GN.drawNetwork($("net"), S.frame, S.data);
    showStepInfo();
  }

  function showStepInfo() {  // what the single step and the selected point are
    const f = S.frame, el = $("step-info");
    const parts = [];
    if (f && f.step) parts.push(`Step ${f.step.batch} of ${f.step.batches} in epoch ${f.epoch + 1}: its ${f.step.rows.length} rows are ringed on the data.`);
    if (f && f.point) {
      const p = S.data.X[f.point.index];
      parts.push(`Point ${f.point.index} (${p[0].toFixed(2)}, ${p[1].toFixed(2)}), class ${f.point.label}: each neuron shows a and \u03b4 there.`);
    }
    el.hidden = !parts.length;
    el.textContent = parts.join(" ");
  }

  /* ------------------------------------------------------------ wiring */
  function wire() {
    $("play").onclick = () => {
      if (S.playing) send({ type: "pause" });
      else send({ type: "play", speed: Number($("speed").value) });
    };
    $("step").onclick = () => send({ type: "step" });
    $("one-step").onclick = () => send({ type: "one_step" });
    $("heatmap").onclick = (ev) => {
      const r = $("heatmap").getBoundingClientRect();
      const i = GN.pointAt($("heatmap"), S.data, ev.clientX - r.left, ev.clientY - r.top, $("show-test").checked);
      send({ type: "select", point: i });
    };
    $("reset").onclick = () => send({ type: "reset" });
    $("speed").onchange = () => { if (S.playing) send({ type: "play", speed: Number($("speed").value) }); };
    $("regenerate").onclick = () => send({ type: "regenerate" });
    for (const id of ["optimizer", "schedule"]) $(id).onchange = () => setConfig({ [id]: $(id).value });
    for (const id of ["lr", "l2", "l1", "dropout"]) $(id).onchange = () => setConfig({ [id]: Number($(id).value) });
    $("problem").onchange = () => setConfig({ problem: $("problem").value });
    $("discretize").onchange = () => setConfig({ discretize: $("discretize").checked });
    wireEditing();
    $("show-formula").onclick = showFormula;
    $("close-formula").onclick = () => { $("formula-panel").hidden = true; };
    $("formula-code").onclick = () => { $("formula-panel").hidden = true; showCode(); };
    $("batch_size").oninput = () => {
      const b = BATCHES[Number($("batch_size").value)];
      $("batch_size-val").textContent = b === 0 ? "full" : String(b);
    };
    $("batch_size").onchange = () => setConfig({ batch_size: BATCHES[Number($("batch_size").value)] });
    $("seed").onchange = () => {
      const v = parseInt($("seed").value, 10);
      if (Number.isFinite(v)) setConfig({ seed: v });
    };
    for (const k of ["n_samples", "train_share", "noise"]) {
      $(k).oninput = () => { $(`${k}-val`).textContent = k === "n_samples" ? $(k).value : `${$(k).value}%`; };
      $(k).onchange = () => setConfig({ [k]: Number($(k).value) });
    }
    $("add-layer").onclick = () => {
      const c = S.config, n = c.layers.length;
      setConfig({ layers: [...c.layers, n ? c.layers[n - 1] : 4] });
    };
    $("remove-layer").onclick = () => setConfig({ layers: S.config.layers.slice(0, -1) });
    $("show-test").onchange = drawAll;
    $("csv-file").onchange = uploadCsv;
    $("show-code").onclick = showCode;
    $("close-code").onclick = () => { $("code-panel").hidden = true; };
    $("code-panel").onclick = (ev) => { if (ev.target === $("code-panel")) $("code-panel").hidden = true; };
    $("copy-code").onclick = () => copyText($("code").textContent, "Snippet copied");
    $("copy-link").onclick = () => copyText(location.href, "Link copied: it reproduces this setup");
    const net = $("net"), tip = $("tooltip");
    net.onmousemove = (ev) => {
      const r = net.getBoundingClientRect();
      const text = GN.hitNetwork(S.netModel, ev.clientX - r.left, ev.clientY - r.top, S.frame, S.config);
      tip.hidden = !text;
      if (text) {
        tip.textContent = text;
        tip.style.left = `${ev.clientX - r.left + 12}px`;
        tip.style.top = `${ev.clientY - r.top + 12}px`;
      }
    };
    net.onmouseleave = () => { tip.hidden = true; };
    window.addEventListener("resize", () => { placeLayerControls(); drawAll(); });
  }

  async function uploadCsv() {
    const file = $("csv-file").files[0];
    $("csv-file").value = "";
    if (!file) return;
    if (file.size > S.limits.upload_bytes) {
      showMessage(`${file.name} is ${file.size} bytes; the limit is ${S.limits.upload_bytes}`);
      return;
    }
    const url = `/api/session/${S.session}/upload?name=${encodeURIComponent(file.name)}`;
    try {
      const res = await fetch(url, { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
      const body = await res.json();
      if (!res.ok) showMessage(body.error || `upload failed (${res.status})`);
      else showMessage(`${body.name}: ${body.rows} rows, classes ${body.classes.join(", ")}`, false);
    } catch (err) {
      showMessage(`upload failed: ${err}`);
    }
  }

  /* Click a line or a neuron of the network: a box to type its new weight or bias. */
  function wireEditing() {
    const net = $("net"), box = $("edit-box");
    let target = null;
    net.onclick = (ev) => {
      const r = net.getBoundingClientRect();
      target = GN.pickNetwork(S.netModel, ev.clientX - r.left, ev.clientY - r.top);
      if (!target) { box.hidden = true; return; }
      box.style.left = `${ev.clientX - r.left + 8}px`;
      box.style.top = `${ev.clientY - r.top - 10}px`;
      box.value = target.value.toFixed(4);
      box.hidden = false;
      box.focus();
      box.select();
    };
    box.onkeydown = (ev) => {
      if (ev.key === "Escape") { box.hidden = true; return; }
      if (ev.key !== "Enter" || !target) return;
      const value = Number(box.value);
      if (box.value.trim() === "" || !Number.isFinite(value)) { showMessage(`not a number: ${box.value}`); return; }
      const msg = { type: "edit", layer: target.layer, to: target.to, value };
      if (target.kind === "weight") msg.from = target.from;
      send(msg);
      box.hidden = true;
    };
  }

  function showFormula() {
    $("formula").textContent = formulaText();
    $("formula-panel").hidden = false;
  }

  function formulaText() {
    return (S.frame && S.frame.formula) ||
      "This network is too large to write out as a formula\n(it is written for networks of up to 60 weights);\nthe Python snippet rebuilds it.";
  }

  async function showCode() {
    if (S.playing) {  // the snippet retrains to the epoch shown: stop there first
      send({ type: "pause" });
      for (let i = 0; i < 40 && S.playing; i++) await new Promise((r) => setTimeout(r, 25));
    }
    const res = await fetch(`/api/session/${S.session}/snippet`);
    const text = await res.text();
    $("code").textContent = text;
    $("save-code").href = URL.createObjectURL(new Blob([text], { type: "text/x-python" }));
    $("code-panel").hidden = false;
  }

  async function copyText(text, done) {
    try {
      await navigator.clipboard.writeText(text);
      showMessage(done, false);
    } catch (err) {
      showMessage(`could not copy: ${err}`);
    }
  }

  wire();
  setPlaying(false);
  connect();
})();

/* glassnet playground: the network diagram. Neurons are thumbnails of their
   activation over the plane; lines are weights (blue positive, orange negative,
   width by size). Hovering shows a weight's or a neuron's value; after a single step
   and with a point selected, the formulas with their numbers (z, a, delta, dL/dw). */
"use strict";

(function () {
  const GN = window.GN;

  /* Node positions for layer sizes [n_in, h1, ..., k] in a canvas of W x H: each column
     its own node size (64 pixel inputs pack tight while the hidden neurons stay
     large enough to show their pictures), at most that of the widest hidden column. */
  GN.netLayout = function (sizes, W, H) {
    const padX = 60, padTop = 10, padBottom = 10;  // room for the inputs' names
    const L = sizes.length;
    const xs = sizes.map((_, i) => padX + (L === 1 ? 0 : (i * (W - 2 * padX)) / (L - 1)));
    const avail = H - padTop - padBottom;
    const fit = (n) => Math.max(3, Math.min(34, Math.floor(avail / n) - 2));
    const node = Math.min(...sizes.slice(1).map(fit), fit(Math.min(sizes[0], 16)));
    const cols = sizes.map((n, l) => {
      const s = Math.min(node, fit(n));
      const gap = Math.min(14, Math.max(1, Math.floor((avail - n * s) / Math.max(1, n))));
      const total = n * s + (n - 1) * gap;
      const y0 = padTop + (avail - total) / 2;
      return Array.from({ length: n }, (_, i) => ({ x: xs[l], y: y0 + i * (s + gap) + s / 2, s }));
    });
    return { xs, cols, node };
  };

  /* The monitor (issue 15): a dead ReLU unit (zero on every sampled row) is crossed
     out in red; a saturated tanh/sigmoid unit (flat on most rows) framed in orange. */
  function markUnit(ctx, mon, l, i, nLayers, x, y, s) {
    if (!mon || l === 0 || l >= nLayers - 1) return;
    const dead = (mon.dead_units[l - 1] || []).includes(i);
    const sat = (mon.saturated_units[l - 1] || []).includes(i);
    if (!dead && !sat) return;
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = dead ? "#c62828" : "#ef8f00";
    ctx.strokeRect(x + 1, y + 1, s - 2, s - 2);
    if (dead) {
      ctx.beginPath();
      ctx.moveTo(x + 2, y + 2); ctx.lineTo(x + s - 2, y + s - 2);
      ctx.moveTo(x + s - 2, y + 2); ctx.lineTo(x + 2, y + s - 2);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
  }

  /* One bar per weight layer, between its two columns: the gradient norm, on a log
     scale from 1e-6 to the largest layer's, with its value. */
  function gradBars(ctx, mon, lay, sizes) {
    if (!mon || !mon.grad_norm) return;
    const g = mon.grad_norm, top = Math.max(...g.filter((v) => v !== null), 1e-12);
    ctx.font = "10px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (let k = 0; k < g.length && k + 1 < sizes.length; k++) {
      if (g[k] === null) continue;
      const x = (lay.xs[k] + lay.xs[k + 1]) / 2;
      const frac = Math.max(0, 1 + Math.log10(Math.max(g[k], 1e-12) / top) / 6);
      ctx.fillStyle = "rgba(40,90,200,0.75)";
      ctx.fillRect(x - 6, 16 + 36 * (1 - frac), 12, 36 * frac);
      ctx.fillStyle = "#333";
      ctx.fillText("\u2207 " + g[k].toPrecision(2), x, 12);
    }
    ctx.textAlign = "start";
  }

  /* Hidden unit j's incoming weights (column j of W, one per pixel) as an h x w image,
     blue positive and orange negative, scaled to the column's largest. */
  function weightImage(W, j, nOut, shape) {
    const [h, w] = shape, n = h * w;
    let top = 1e-12;
    for (let k = 0; k < n; k++) top = Math.max(top, Math.abs(W[k * nOut + j]));
    return thumbImage(null, 0, w, (k) => W[k * nOut + j] / top, h);
  }
  GN.weightImage = weightImage;

  function thumbImage(values, offset, res, sign, rows) {
    const H = rows || res;
    const img = new ImageData(res, H);
    for (let i = 0; i < res * H; i++) {
      const v = sign ? sign(i) : (values[offset + i] - 127.5) / 127.5;
      const c = GN.divergent(v);
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    const off = document.createElement("canvas");
    off.width = res; off.height = H;
    off.getContext("2d").putImageData(img, 0, 0);
    return off;
  }

  /* Draw the whole diagram; returns the hit-test model used for hovering. */
  GN.drawNetwork = function (canvas, frame, data) {
    const ctx = canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.width / dpr, H = canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (!frame) return null;
    const sizes = frame.sizes;
    const lay = GN.netLayout(sizes, W, H);
    const weights = frame.weights.map(GN.floats);
    const biases = frame.biases.map(GN.floats);
    let maxw = 1e-9;
    for (const w of weights) for (let i = 0; i < w.length; i++) maxw = Math.max(maxw, Math.abs(w[i]));
    // edges, batched by colour and width bucket (fast even for 8 x 64 x 64 lines)
    const edges = [];
    const buckets = new Map();
    for (let l = 0; l < weights.length; l++) {
      const nIn = sizes[l], nOut = sizes[l + 1], w = weights[l];
      for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) {
        const v = w[i * nOut + j];
        const a = lay.cols[l][i], b = lay.cols[l + 1][j];
        const e = { l, i, j, v, x0: a.x + a.s / 2, y0: a.y, x1: b.x - b.s / 2, y1: b.y };
        edges.push(e);
        const r = Math.abs(v) / maxw;
        const key = (v < 0 ? "n" : "p") + Math.min(9, Math.floor(r * 10));
        if (!buckets.has(key)) buckets.set(key, []);
        buckets.get(key).push(e);
      }
    }
    const dense = edges.length > 1500 ? (edges.length > 10000 ? 2 : 1) : 0;
    for (const [key, list] of buckets) {
      const r = (Number(key.slice(1)) + 0.5) / 10;
      const c = key[0] === "n" ? GN.NEG : GN.POS;
      const alpha = [0.25, 0.15, 0.04][dense] + [0.65, 0.6, 0.45][dense] * r;
      ctx.strokeStyle = `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
      ctx.lineWidth = [0.4, 0.2, 0.15][dense] + [5, 2, 1.5][dense] * r;
      ctx.beginPath();
      for (const e of list) {
        ctx.moveTo(e.x0, e.y0);
        ctx.bezierCurveTo((e.x0 + e.x1) / 2, e.y0, (e.x0 + e.x1) / 2, e.y1, e.x1, e.y1);
      }
      ctx.stroke();
    }
    const grads = gradientShadows(ctx, frame.step, edges, sizes);
    // neurons
    const nodes = [];
    const thumbs = GN.bytes(frame.thumbs.data), tr = frame.thumbs.res;
    let offset = 0;
    ctx.imageSmoothingEnabled = true;
    for (let l = 0; l < sizes.length; l++) {
      for (let i = 0; i < sizes[l]; i++) {
        const p = lay.cols[l][i];
        const s = p.s, x = p.x - s / 2, y = p.y - s / 2;
        let img = null;
        if (tr && l < sizes.length - 1) {  // the inputs' features, then the hidden neurons
          img = thumbImage(thumbs, offset, tr, null);
          offset += tr * tr;
        } else if (frame.images && l === 1 && sizes.length > 2) {  // its weights as an image
          img = weightImage(weights[0], i, sizes[1], frame.images.shape);
        }
        if (img) ctx.drawImage(img, x, y, s, s);
        else {
          const output = l === sizes.length - 1 && !(data && data.problem === "regression");
          ctx.fillStyle = output ? GN.PALETTE[i % GN.PALETTE.length] : "#d7dadd";  // a class
          ctx.fillRect(x, y, s, s);
        }
        ctx.strokeStyle = "rgba(0,0,0,0.35)";
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, s - 1, s - 1);
        markUnit(ctx, frame.monitor, l, i, sizes.length, x, y, s);
        pointLabel(ctx, frame.point, l, i, x, y, s);
        nodes.push({ l, i, x, y, s, b: l > 0 ? biases[l - 1][i] : null });
      }
    }
    gradBars(ctx, frame.monitor, lay, sizes);
    // column labels
    ctx.fillStyle = "#555";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    const names = (data && data.features) || null;
    ctx.fillText(names ? "features" : "pixels", lay.xs[0], H - 1);
    if (names && names.length === sizes[0] && lay.cols[0][0].s >= 12) {  // each input's name
      ctx.textAlign = "right";
      ctx.font = "10px system-ui, sans-serif";
      names.forEach((f, i) => ctx.fillText(f, lay.xs[0] - lay.cols[0][i].s / 2 - 3, lay.cols[0][i].y + 3));
      ctx.textAlign = "center";
    }
    const classes = data && data.classes;
    const out = data && data.problem === "regression" ? "linear" : classes ? "classes" : "softmax";
    ctx.fillText(out, lay.xs[sizes.length - 1], H - 1);
    ctx.textAlign = "start";
    return { nodes, edges, sizes, xs: lay.xs, classes, grads, names, problem: data && data.problem };
  };

  /* After a single step: a violet shadow under each line, as wide as the size of the
     weight's gradient over the batch (relative to the largest); returns the gradients
     (dW per layer, db per layer) for the hover text. */
  function gradientShadows(ctx, step, edges, sizes) {
    if (!step) return null;
    const dW = step.dW.map(GN.floats), db = step.db.map(GN.floats);
    let top = 1e-12;
    for (const g of dW) for (let k = 0; k < g.length; k++) top = Math.max(top, Math.abs(g[k]));
    ctx.strokeStyle = "rgba(123,31,162,0.35)";
    for (const e of edges) {
      const r = Math.abs(dW[e.l][e.i * sizes[e.l + 1] + e.j]) / top;
      if (r < 0.02) continue;
      ctx.lineWidth = 1 + 9 * r;
      ctx.beginPath();
      ctx.moveTo(e.x0, e.y0);
      ctx.bezierCurveTo((e.x0 + e.x1) / 2, e.y0, (e.x0 + e.x1) / 2, e.y1, e.x1, e.y1);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
    return { dW, db };
  }

  /* With a point selected: the neuron's activation a (and its delta below) at that
     point, written beside the neuron when there is room. */
  function pointLabel(ctx, point, l, i, x, y, s) {
    if (!point || s < 12) return;
    const a = point.a[l][i], d = l > 0 ? point.delta[l - 1][i] : null;
    ctx.font = "9px system-ui, sans-serif";
    ctx.fillStyle = "#222";
    ctx.fillText(`a ${a.toPrecision(2)}`, x + s + 2, y + 8);
    if (d !== null) {
      ctx.fillStyle = "#7b1fa2";
      ctx.fillText(`\u03b4 ${d.toPrecision(2)}`, x + s + 2, y + 18);
    }
  }

  function segDist(px, py, e) {
    // distance to the curve, approximated by 8 straight pieces
    let best = Infinity, qx = e.x0, qy = e.y0;
    const mx = (e.x0 + e.x1) / 2;
    for (let k = 1; k <= 8; k++) {
      const t = k / 8, u = 1 - t;
      const x = u * u * u * e.x0 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * e.x1;
      const y = u * u * u * e.y0 + 3 * u * u * t * e.y0 + 3 * u * t * t * e.y1 + t * t * t * e.y1;
      const dx = x - qx, dy = y - qy, len = dx * dx + dy * dy || 1;
      const s = Math.max(0, Math.min(1, ((px - qx) * dx + (py - qy) * dy) / len));
      const ex = qx + s * dx - px, ey = qy + s * dy - py;
      best = Math.min(best, ex * ex + ey * ey);
      qx = x; qy = y;
    }
    return Math.sqrt(best);
  }

  function layerName(l, sizes) {
    if (l === 0) return "input";
    if (l === sizes.length - 1) return "output";
    return `hidden layer ${l}`;
  }

  const fmt = (v) => (v === null || v === undefined ? "?" : Number(v).toPrecision(4));

  /* A neuron's formula with its numbers at the selected point: z = sum w a + b,
     a = f(z), and its delta (the post's delta3 = p - y at the output, else
     f'(z) times the deltas of the next layer through the weights). */
  function neuronText(n, model, point, acts) {
    const L = model.sizes.length, j = n.i;
    const name = `${layerName(n.l, model.sizes)}, neuron ${j + 1}`;
    if (!point) return `${name}: bias ${n.b.toFixed(4)}`;
    const z = point.z[n.l - 1][j], a = point.a[n.l][j], d = point.delta[n.l - 1][j];
    const zLine = `z = \u03a3 w\u00b7a + b = ${fmt(z)} (b = ${fmt(n.b)})`;
    if (n.l === L - 1 && model.problem === "regression") {
      return `${name} at point ${point.index}: ${zLine}; y\u0302 = z = ${fmt(a)} (standardised); ` +
        `\u03b4 = y\u0302 \u2212 y = ${fmt(d)}`;
    }
    if (n.l === L - 1) {
      const y = point.label === j ? 1 : 0;
      return `${name} at point ${point.index}: ${zLine}; p = softmax(z) = ${fmt(a)}; ` +
        `\u03b4 = p \u2212 y = ${fmt(a)} \u2212 ${y} = ${fmt(d)}`;
    }
    const f = (acts && acts[n.l - 1]) || "f";
    return `${name} at point ${point.index}: ${zLine}; a = ${f}(z) = ${fmt(a)}; ` +
      `\u03b4 = ${f}\u2032(z) \u00b7 \u03a3 w\u00b7\u03b4(next) = ${fmt(d)}`;
  }

  /* An edge's weight, its gradient over the last single step's batch and, with a
     point selected, that point's share a\u00b7\u03b4. */
  function edgeText(e, model, point) {
    let text = `weight ${layerName(e.l, model.sizes)} #${e.i + 1} \u2192 ${layerName(e.l + 1, model.sizes)} #${e.j + 1}: w = ${e.v.toFixed(4)}`;
    if (model.grads) {
      const g = model.grads.dW[e.l][e.i * model.sizes[e.l + 1] + e.j];
      text += `; \u2202L/\u2202w over the batch = mean of a\u00b7\u03b4 (+ l2\u00b7w) = ${fmt(g)}`;
    }
    if (point) {
      const a = point.a[e.l][e.i], d = point.delta[e.l][e.j];
      text += `; at point ${point.index}: a\u00b7\u03b4 = ${fmt(a)} \u00b7 ${fmt(d)} = ${fmt(a * d)}`;
    }
    return text;
  }

  /* Text for what lies under (px, py), or null; with the frame's step and point, the
     formulas with their numbers. */
  /* What lies under (px, py): {kind: "bias", layer, to} for a neuron of a layer with
     weights, {kind: "weight", layer, from, to} for a line, or null; what the page edits. */
  GN.pickNetwork = function (model, px, py) {
    if (!model) return null;
    for (const n of model.nodes) {
      if (px >= n.x && px <= n.x + n.s && py >= n.y && py <= n.y + n.s) {
        return n.b === null ? null : { kind: "bias", layer: n.l - 1, to: n.i, value: n.b };
      }
    }
    let best = null, bestD = 5;
    for (const e of model.edges) {
      if (px < e.x0 - 3 || px > e.x1 + 3) continue;
      const d = segDist(px, py, e);
      if (d < bestD) { bestD = d; best = e; }
    }
    return best && { kind: "weight", layer: best.l, from: best.i, to: best.j, value: best.v };
  };

  GN.hitNetwork = function (model, px, py, frame, config) {
    if (!model) return null;
    const point = frame && frame.point;
    for (const n of model.nodes) {
      if (px >= n.x && px <= n.x + n.s && py >= n.y && py <= n.y + n.s) {
        if (n.b === null) {
          const x = model.names ? model.names[n.i] : `pixel ${n.i + 1}`;
          return point ? `input ${x} = ${fmt(point.a[0][n.i])} at point ${point.index}` : `input ${x}`;
        }
        return neuronText(n, model, point, config && config.activations);
      }
    }
    let best = null, bestD = 5;
    for (const e of model.edges) {
      if (px < e.x0 - 3 || px > e.x1 + 3) continue;
      const d = segDist(px, py, e);
      if (d < bestD) { bestD = d; best = e; }
    }
    return best ? edgeText(best, model, point) : null;
  };
})();

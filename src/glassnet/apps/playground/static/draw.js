/* glassnet playground: colours, the decision-boundary heatmap, the loss chart and
   the data-set previews. Plain canvas 2D, no libraries. */
"use strict";

const GN = window.GN || {};
window.GN = GN;

GN.PALETTE = ["#f59322", "#0877bd", "#2ca25f", "#c2185b", "#7b1fa2", "#00897b", "#6d4c41", "#546e7a"];
GN.NEG = [245, 147, 34];   // orange: negative values
GN.POS = [8, 119, 189];    // blue: positive values
GN.BG = [232, 234, 235];

GN.rgb = function (hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

GN.mix = function (a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
};

/* base64 -> Uint8Array / Float32Array */
GN.bytes = function (b64) {
  const s = atob(b64 || "");
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};
GN.floats = function (b64) {
  return new Float32Array(GN.bytes(b64).buffer);
};

/* Colour of a value in [-1, 1]: orange below 0, blue above. */
GN.divergent = function (v) {
  const t = Math.min(1, Math.abs(v));
  return GN.mix(GN.BG, v < 0 ? GN.NEG : GN.POS, t);
};

/* Draw the heatmap (cells of [class, confidence*255]) and the points. */
/* A regression target's colour: its place between the data's lowest and highest
   target, orange to blue. */
GN.valueColour = function (v, lo, hi) {
  return GN.divergent(2 * (v - lo) / Math.max(hi - lo, 1e-12) - 1);
};

GN.drawHeatmap = function (canvas, frame, data, showTest, discretize) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (!frame || !data) return;
  if (frame.images) { GN.drawImages(ctx, frame.images, W, H); return; }
  const res = frame.heat.res, cells = GN.bytes(frame.heat.data);
  const value = frame.heat.kind === "value";
  const k = data.n_classes, floor = 1 / k;
  const cols = GN.PALETTE.map(GN.rgb);
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    let rgb;
    if (value) {
      const v = (cells[i] / 255) * 2 - 1;
      rgb = GN.mix([246, 247, 248], GN.divergent(discretize ? Math.sign(v) : v), 0.75);
    } else {
      const c = cells[2 * i], q = cells[2 * i + 1] / 255;
      const t = discretize ? 1 : Math.max(0, (q - floor) / (1 - floor));
      rgb = GN.mix([246, 247, 248], cols[c % cols.length], 0.1 + 0.55 * t);
    }
    img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2];
    img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = off.height = res;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, W, H);
  // axes through the origin
  const [x0, x1, y0, y1] = data.domain;
  const sx = (x) => ((x - x0) / (x1 - x0)) * W, sy = (y) => H - ((y - y0) / (y1 - y0)) * H;
  ctx.strokeStyle = "rgba(0,0,0,0.12)";
  ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(sx(0), 0); ctx.lineTo(sx(0), H); ctx.moveTo(0, sy(0)); ctx.lineTo(W, sy(0));
  ctx.stroke();
  // points: training with a white ring, test with a black one; a regression's coloured
  // by their target
  let lo = Infinity, hi = -Infinity;
  if (value) for (const v of data.y) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  for (const pass of [1, 0]) {
    if (!pass && !showTest) continue;
    for (let i = 0; i < data.X.length; i++) {
      if (data.train[i] !== pass) continue;
      const p = data.X[i];
      ctx.beginPath();
      ctx.arc(sx(p[0]), sy(p[1]), pass ? 3.2 : 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = value ? `rgb(${GN.valueColour(data.y[i], lo, hi).join(",")})` : GN.PALETTE[data.y[i] % GN.PALETTE.length];
      ctx.fill();
      ctx.lineWidth = pass ? 1 : 1.4;
      ctx.strokeStyle = pass ? "#fff" : "#111";
      ctx.stroke();
    }
  }
  // the last single step's batch (violet rings) and the selected point (a large ring)
  ctx.strokeStyle = "#7b1fa2";
  ctx.lineWidth = 2;
  for (const i of (frame.step && frame.step.rows) || []) {
    ctx.beginPath();
    ctx.arc(sx(data.X[i][0]), sy(data.X[i][1]), 5.5, 0, 2 * Math.PI);
    ctx.stroke();
  }
  if (frame.point) {
    const p = data.X[frame.point.index];
    ctx.strokeStyle = "#c2185b";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(sx(p[0]), sy(p[1]), 9, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.lineWidth = 1;
  // tick labels at the edges
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(x0.toFixed(1), 3, H - 4);
  ctx.fillText(x1.toFixed(1), W - 22, H - 4);
  ctx.fillText(y1.toFixed(1), 3, 11);
};

/* A data set of images: a grid of test images, each with its predicted class (red and
   crossed when wrong, with the true class), then the confusion matrix (rows: the true
   class, columns: the predicted; darker is more). */
GN.drawImages = function (ctx, view, W, H) {
  const [h, w] = view.shape, px = GN.bytes(view.images), n = view.true.length;
  const perRow = 10, cell = Math.floor(W / perRow), size = cell - 10;
  ctx.font = "10px system-ui, sans-serif";
  for (let k = 0; k < n; k++) {
    const img = new ImageData(w, h);
    for (let i = 0; i < w * h; i++) {
      const v = 255 - px[k * w * h + i];
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    const off = document.createElement("canvas");
    off.width = w; off.height = h;
    off.getContext("2d").putImageData(img, 0, 0);
    const x = (k % perRow) * cell + 2, y = Math.floor(k / perRow) * (cell + 2) + 2;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, x, y, size, size);
    const wrong = view.pred[k] !== view.true[k];
    ctx.fillStyle = wrong ? "#c62828" : "#2e7d32";
    ctx.fillText(wrong ? `${view.pred[k]}\u2260${view.true[k]}` : String(view.pred[k]), x + size + 1, y + 9);
    if (wrong) { ctx.strokeStyle = "#c62828"; ctx.lineWidth = 2; ctx.strokeRect(x, y, size, size); }
  }
  const m = view.confusion, K = m.length, top = Math.ceil(n / perRow) * (cell + 2) + 8;
  const c = Math.floor(Math.min((H - top - 4) / K, (W - 20) / K));
  let most = 1;
  for (const row of m) for (const v of row) most = Math.max(most, v);
  ctx.fillStyle = "#333";
  ctx.fillText("true \u2193  predicted \u2192", 2, top - 1);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
    const t = m[i][j] / most;
    const rgb = GN.mix([250, 250, 250], i === j ? GN.POS : [198, 40, 40], Math.sqrt(t));
    ctx.fillStyle = `rgb(${rgb.join(",")})`;
    ctx.fillRect(20 + j * c, top + 2 + i * c, c - 1, c - 1);
  }
};

/* The index of the data point drawn nearest to (px, py) on the heatmap canvas, or null
   when none lies within 8 pixels (hidden test points are not picked). */
GN.pointAt = function (canvas, data, px, py, showTest) {
  if (!data) return null;
  const W = canvas.clientWidth, H = canvas.clientHeight;
  const [x0, x1, y0, y1] = data.domain;
  let best = null, bestD = 8;
  for (let i = 0; i < data.X.length; i++) {
    if (!showTest && !data.train[i]) continue;
    const x = ((data.X[i][0] - x0) / (x1 - x0)) * W, y = H - ((data.X[i][1] - y0) / (y1 - y0)) * H;
    const d = Math.hypot(x - px, y - py);
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
};

/* The training and test loss per epoch. */
GN.drawLossChart = function (canvas, hist) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 4;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fafafa";
  ctx.fillRect(0, 0, W, H);
  const n = hist.loss.length;
  if (n < 1) return;
  let top = 0;
  for (const key of ["loss", "val_loss"]) for (const v of hist[key]) if (isFinite(v)) top = Math.max(top, v);
  top = top || 1;
  const step = Math.max(1, Math.floor(n / (2 * W)));
  const draw = (arr, colour, width) => {
    ctx.beginPath();
    for (let i = 0; i < n; i += step) {
      const x = pad + (n === 1 ? 0 : (i / (n - 1)) * (W - 2 * pad));
      const y = H - pad - (Math.min(arr[i], top) / top) * (H - 2 * pad);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    const i = n - 1;
    ctx.lineTo(pad + (n === 1 ? 0 : W - 2 * pad), H - pad - (Math.min(arr[i], top) / top) * (H - 2 * pad));
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  };
  draw(hist.loss, "#9aa3ab", 1.5);
  draw(hist.val_loss, "#222", 1.5);
  ctx.fillStyle = "rgba(0,0,0,0.5)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.fillText(top.toPrecision(2), W - 6, 12);
  ctx.textAlign = "start";
};

/* Small procedural previews of the data sets for the picker buttons. */
GN.drawPreview = function (canvas, name) {
  const ctx = canvas.getContext("2d");
  const S = canvas.width;
  ctx.fillStyle = "#f4f5f6";
  ctx.fillRect(0, 0, S, S);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const pts = [];
  const spiral = (k) => {
    for (let j = 0; j < k; j++) for (let i = 0; i < 40; i++) {
      const r = i / 40, t = 4 * (j + r);
      pts.push([r * Math.sin(t), r * Math.cos(t), j]);
    }
  };
  if (name === "circle") {
    for (let i = 0; i < 90; i++) {
      const a = rand() * 6.283, r = i % 2 ? 0.45 * rand() : 0.7 + 0.25 * rand();
      pts.push([r * Math.cos(a), r * Math.sin(a), i % 2]);
    }
  } else if (name === "xor") {
    for (let i = 0; i < 90; i++) {
      const x = 2 * rand() - 1, y = 2 * rand() - 1;
      pts.push([x, y, x * y > 0 ? 1 : 0]);
    }
  } else if (name === "blobs") {
    const c = [[-0.5, 0.45], [0.5, 0.4], [0, -0.5]];
    for (let i = 0; i < 90; i++) {
      const j = i % 3;
      pts.push([c[j][0] + 0.3 * (rand() - 0.5), c[j][1] + 0.3 * (rand() - 0.5), j]);
    }
  } else if (name === "moons") {
    for (let i = 0; i < 80; i++) {
      const t = Math.PI * rand(), j = i % 2;
      const x = j ? 1 - Math.cos(t) : Math.cos(t), y = j ? 0.5 - Math.sin(t) : Math.sin(t);
      pts.push([(x - 0.5) / 1.4, (y - 0.25) / 1.4, j]);
    }
  } else if (name === "spiral") spiral(2);
  else if (name === "spiral3") spiral(3);
  else if (name === "plane" || name === "gauss") {  // a surface: the target's colour
    const img = new ImageData(S, S);
    for (let i = 0; i < S * S; i++) {
      const x = 2 * (i % S) / S - 1, y = 1 - 2 * Math.floor(i / S) / S;
      let v = (x + y) / 2;
      if (name === "gauss") {
        v = 0;
        for (const [cx, cy, sg] of [[-0.65, 0.4, 1], [0, 0.4, -1], [0.65, 0.4, 1], [-0.65, -0.4, -1], [0, -0.4, 1], [0.65, -0.4, -1]])
          v += sg * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.08);
      }
      const c = GN.divergent(v);
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return;
  } else {
    ctx.fillStyle = "#777";
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(name === "digits" ? "0 1 2" : "CSV", S / 2, S / 2 + 4);
    if (name === "digits") ctx.fillText("3 4 5", S / 2, S / 2 + 20);
    return;
  }
  for (const [x, y, c] of pts) {
    ctx.fillStyle = GN.PALETTE[c];
    ctx.fillRect(S / 2 + x * S * 0.45 - 1.5, S / 2 - y * S * 0.45 - 1.5, 3, 3);
  }
};

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
GN.drawHeatmap = function (canvas, frame, data, showTest) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (!frame || !data) return;
  const res = frame.heat.res, cells = GN.bytes(frame.heat.data);
  const k = data.n_classes, floor = 1 / k;
  const cols = GN.PALETTE.map(GN.rgb);
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const c = cells[2 * i], q = cells[2 * i + 1] / 255;
    const t = Math.max(0, (q - floor) / (1 - floor));
    const rgb = GN.mix([246, 247, 248], cols[c % cols.length], 0.1 + 0.55 * t);
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
  // points: training with a white ring, test with a black one
  for (const pass of [1, 0]) {
    if (!pass && !showTest) continue;
    for (let i = 0; i < data.X.length; i++) {
      if (data.train[i] !== pass) continue;
      const p = data.X[i];
      ctx.beginPath();
      ctx.arc(sx(p[0]), sy(p[1]), pass ? 3.2 : 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = GN.PALETTE[data.y[i] % GN.PALETTE.length];
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
  else {
    ctx.fillStyle = "#777";
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText("CSV", S / 2, S / 2 + 4);
    return;
  }
  for (const [x, y, c] of pts) {
    ctx.fillStyle = GN.PALETTE[c];
    ctx.fillRect(S / 2 + x * S * 0.45 - 1.5, S / 2 - y * S * 0.45 - 1.5, 3, 3);
  }
};

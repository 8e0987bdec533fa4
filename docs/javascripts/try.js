// The "Try it" page: draw a digit, and the book's networks read it as you draw.
//
// Plain JavaScript written for this book, with no library and no request
// except for the site's own files. It mirrors two chapters, function for
// function and name for name:
//
//   primitive_nn.handwriting  paperBehind, toGrey, reduction, shrink, border,
//                             window, sliding, paperLevel, flatten, toInk,
//                             ruleRows, unrule, runs, components, gap, size,
//                             height, beside, union, anotherDigit, digitPieces,
//                             crop, roundHalfUp, boxSize, areaWeights,
//                             sizeNormalize, centreOfMass, pixelShift, place,
//                             centre, prepare
//   primitive_nn.layers, .activations, .loss, .network: linearForward, relu, softmax, forward
//   primitive_nn.convolution  asImages, paddingWidth, patches, convForward
//   primitive_nn.pooling      maxPool
//   primitive_nn.convnet      convnet.flatten, convnet.forward, ARCHITECTURES
//
// (convnet.flatten and convnet.forward live in an object of their own, as they live in a
// module of their own in Python: `flatten` is handwriting's, `forward` network's.)
//
// The constants of the preparation (the 20-pixel box, the centre, the ink
// levels) come from assets/models/models.json, which the book's build writes
// from the Python module itself (primitive_nn.machinery.models), together
// with one float32 .bin file of weights per network.
//
// An image is {h, w, data}: h rows of w float64 values, row after row, as
// NumPy stores an (h, w) array; a mask (ink > 0) is the same with bytes 0 and
// 1. A box is [top, bottom, left, right, area], as in Python. Python's
// DataError is an Error named "DataError" with the same message, except for a
// blank picture, for which prepare returns null. A column of the network (X,
// Z1, A1, ...) is one example: a Float64Array. All arithmetic is float64, as
// in NumPy. A convnet's maps for one example, NumPy's (n_H, n_W, n_C), are {h, w, c, data}:
// h rows of w positions of c channels, channel fastest, as NumPy stores one example of an
// NHWC array; its kernels W, (n_F, k_H, k_W, n_C), are the .bin's values in that order.
(function () {
  "use strict";

  const MODELS_URL = new URL("../assets/models/", document.currentScript.src);
  let C = null; // MAX_SIDE, FIELD, BOX, CENTRE, LUMA, BACKGROUND, MIN_CONTRAST, INK_LEVEL,
                // RULE_COVER, RULE_THIN, SPECK, NEAR, TALL, SUBPIXEL

  // ---- primitive_nn.handwriting ------------------------------------------

  function image(h, w, data) {
    return { h: h, w: w, data: data || new Float64Array(h * w) };
  }

  // Python's DataError: a picture that cannot be read as one digit, with the same message.
  function dataError(message) {
    const error = new Error(message);
    error.name = "DataError";
    return error;
  }

  // grey = A * (RGB @ LUMA) + (1 - A) * paper.
  function luma(rgba, i) {
    return (rgba[4 * i] / 255) * C.LUMA[0] + (rgba[4 * i + 1] / 255) * C.LUMA[1]
      + (rgba[4 * i + 2] / 255) * C.LUMA[2];
  }

  // The grey a transparent pixel shows: white, or black behind light ink drawn on nothing.
  function paperBehind(rgba, h, w) {
    let opacity = 0, lit = 0;
    for (let i = 0; i < h * w; i++) {
      const A = rgba[4 * i + 3] / 255;
      opacity += A;
      lit += A * luma(rgba, i);
    }
    if (!(opacity > 0 && opacity / (h * w) < 0.5)) return 1;
    return lit / opacity > 0.5 ? 0 : 1;
  }

  function toGrey(rgba, h, w) {
    const grey = image(h, w);
    const paper = paperBehind(rgba, h, w);
    for (let i = 0; i < h * w; i++) {
      const A = rgba[4 * i + 3] / 255;
      grey.data[i] = A * luma(rgba, i) + (1 - A) * paper;
    }
    return grey;
  }

  // The whole factor f = ceil(max(h, w) / MAX_SIDE) a picture is reduced by: 1 if small enough.
  function reduction(h, w) {
    return Math.ceil(Math.max(h, w) / C.MAX_SIDE);
  }

  // Each f x f block becomes its mean; the last rows and columns that fill no block are dropped.
  function shrink(grey) {
    const f = reduction(grey.h, grey.w);
    if (f === 1) return grey;
    const out = image(Math.floor(grey.h / f), Math.floor(grey.w / f));
    for (let r = 0; r < out.h; r++) {
      for (let c = 0; c < out.w; c++) {
        let sum = 0;
        for (let i = 0; i < f; i++) {
          for (let j = 0; j < f; j++) sum += grey.data[(r * f + i) * grey.w + c * f + j];
        }
        out.data[r * out.w + c] = sum / (f * f);
      }
    }
    return out;
  }

  // The pixels of the first and last row and column, each once.
  function border(img) {
    const values = [];
    for (let r = 0; r < img.h; r++) {
      for (let c = 0; c < img.w; c++) {
        if (r === 0 || r === img.h - 1 || c === 0 || c === img.w - 1) values.push(img.data[r * img.w + c]);
      }
    }
    return values;
  }

  // np.median: the middle value, or the mean of the two middle ones.
  function median(values) {
    const s = Float64Array.from(values).sort();
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  // The odd side k = 2 floor(BACKGROUND min(h, w) / 2 + 1/2) + 1 of the square the paper is
  // estimated over. Named after the Python: in this script `window` is this function, and
  // the browser's window is `globalThis`.
  function window(h, w) {
    return 2 * roundHalfUp(C.BACKGROUND * Math.min(h, w) / 2) + 1;
  }

  // reduce (Math.min or Math.max) over the k x k square around every pixel, cut short at the
  // edges: down the columns, then along the rows, as NumPy does over its padding of +-Infinity.
  // The maximum is the minimum of -x, negated; both pick values, exactly, as NumPy does.
  function sliding(img, k, reduce) {
    const sign = reduce === Math.min ? 1 : -1, half = (k - 1) / 2;
    const length = Math.max(img.h, img.w) + k;
    const scratch = [new Float64Array(length), new Float64Array(length), new Float64Array(length)];
    const down = new Float64Array(img.h * img.w), out = image(img.h, img.w);
    for (let c = 0; c < img.w; c++) runMin(img.data, down, c, img.w, img.h, half, sign, scratch);
    for (let r = 0; r < img.h; r++) runMin(down, out.data, r * img.w, 1, img.w, half, 1, scratch);
    for (let i = 0; i < out.data.length; i++) out.data[i] *= sign;
    return out;
  }

  // dst[i] = min(sign * src[j]) over the k = 2 half + 1 values j around each of n values
  // (src[start + j * step]), cut short at the ends. In linear time whatever k, by van Herk and
  // Gil-Werman's method: the run, padded with +Infinity, is cut into blocks of k values; g holds
  // the minimum from the block's start and hg the one to its end; a window spans two blocks.
  function runMin(src, dst, start, step, n, half, sign, [run, g, hg]) {
    const k = 2 * half + 1, m = n + 2 * half;
    for (let i = 0; i < m; i++) {
      run[i] = i < half || i >= n + half ? Infinity : sign * src[start + (i - half) * step];
    }
    for (let i = 0; i < m; i++) g[i] = i % k === 0 ? run[i] : Math.min(g[i - 1], run[i]);
    for (let i = m - 1; i >= 0; i--) {
      hg[i] = i % k === k - 1 || i === m - 1 ? run[i] : Math.min(hg[i + 1], run[i]);
    }
    for (let i = 0; i < n; i++) dst[start + i * step] = Math.min(hg[i], g[i + k - 1]);
  }

  // The paper under the ink, by a morphological opening: max_k(min_k v).
  function paperLevel(v, k) {
    return sliding(sliding(v, k, Math.min), k, Math.max);
  }

  // Ink bright and the paper flat at 0: f = v - paperLevel(v), v = 1 - g if the median of the
  // border is above 0.5 (dark on light), else v = g.
  function flatten(grey) {
    const light = median(border(grey)) > 0.5;            // dark on light: invert
    const v = image(grey.h, grey.w, grey.data.map(g => (light ? 1 - g : g)));
    const paper = paperLevel(v, window(v.h, v.w));
    return image(v.h, v.w, v.data.map((x, i) => x - paper.data[i]));
  }

  // Ink 1, paper 0: t = b + INK_LEVEL (p - b), q the median above t, clip((f - t) / (q - t)).
  // null for a blank image (p - b < MIN_CONTRAST), where Python raises DataError.
  function toInk(f) {
    const b = median(border(f));                          // paper level
    let p = -Infinity;                                    // darkest ink
    for (const x of f.data) p = Math.max(p, x);
    if (!(p - b >= C.MIN_CONTRAST)) return null;
    const t = b + C.INK_LEVEL * (p - b);                  // below t: paper
    const q = median(f.data.filter(x => x > t));          // a typical stroke
    return image(f.h, f.w, f.data.map(x => Math.min(Math.max((x - t) / (q - t), 0), 1)));
  }

  // ink > 0, as 0 and 1.
  function inked(ink) {
    const mask = image(ink.h, ink.w, new Uint8Array(ink.h * ink.w));
    for (let i = 0; i < mask.data.length; i++) mask.data[i] = ink.data[i] > 0 ? 1 : 0;
    return mask;
  }

  // The columns as rows: NumPy's .T.
  function transpose(img) {
    const out = image(img.w, img.h, new img.data.constructor(img.h * img.w));
    for (let r = 0; r < img.h; r++) {
      for (let c = 0; c < img.w; c++) out.data[c * img.h + r] = img.data[r * img.w + c];
    }
    return out;
  }

  // The rows of ruled lines: bands of rows inked across RULE_COVER of the width, at most
  // max(1, RULE_THIN H) rows thick. An array of H booleans.
  function ruleRows(mask) {
    const across = [];
    for (let r = 0; r < mask.h; r++) {
      let count = 0;
      for (let c = 0; c < mask.w; c++) count += mask.data[r * mask.w + c];
      const edgeToEdge = mask.data[r * mask.w] && mask.data[r * mask.w + mask.w - 1];
      across.push(count / mask.w >= C.RULE_COVER && Boolean(edgeToEdge));
    }
    const rules = new Array(mask.h).fill(false);
    for (let start = 0; start < mask.h; start++) {
      if (!across[start] || (start > 0 && across[start - 1])) continue;   // not a band's start
      let stop = start;
      while (stop < mask.h && across[stop]) stop++;
      if (stop - start <= Math.max(1, C.RULE_THIN * mask.h)) rules.fill(true, start, stop);
    }
    return rules;
  }

  // Erase ruled lines, across and down (ruleRows of the transpose), found on the ink as given.
  function unrule(ink) {
    const mask = inked(ink);
    const rows = ruleRows(mask), cols = ruleRows(transpose(mask));
    const out = image(ink.h, ink.w, Float64Array.from(ink.data));
    for (let r = 0; r < ink.h; r++) {
      for (let c = 0; c < ink.w; c++) if (rows[r] || cols[c]) out.data[r * ink.w + c] = 0;
    }
    return out;
  }

  // The runs of 1 along each row, in reading order: [row, start, stop], stop one past the last.
  function runs(mask) {
    const row = [], start = [], stop = [];
    for (let r = 0; r < mask.h; r++) {
      for (let c = 0; c < mask.w; c++) {
        if (!mask.data[r * mask.w + c] || (c > 0 && mask.data[r * mask.w + c - 1])) continue;
        let end = c;
        while (end < mask.w && mask.data[r * mask.w + end]) end++;
        row.push(r); start.push(c); stop.push(end);
      }
    }
    return [row, start, stop];
  }

  // The connected pieces (8-connectivity) by a union-find over the runs: [piece, boxes], piece[i]
  // the first run of run i's piece, boxes a Map from it to [top, bottom, left, right, area],
  // in increasing order of the first run.
  function components(mask) {
    const [row, start, stop] = runs(mask);
    const parent = row.map((_, i) => i);
    const root = i => {
      while (parent[i] !== i) i = parent[i];
      return i;
    };
    const first = [];                                      // runs of row r: first[r] to first[r + 1]
    for (let r = 0, i = 0; r <= mask.h; r++) {
      while (i < row.length && row[i] < r) i++;
      first.push(i);
    }
    for (let i = 0; i < row.length; i++) {
      if (row[i] === 0) continue;
      for (let j = first[row[i] - 1]; j < first[row[i]]; j++) {
        if (start[i] <= stop[j] && start[j] <= stop[i]) {  // touching, corners included
          const a = root(i), b = root(j);
          parent[Math.max(a, b)] = Math.min(a, b);
        }
      }
    }
    const piece = row.map((_, i) => root(i));
    const boxes = new Map();
    piece.forEach((p, i) => {
      const box = boxes.get(p) || [row[i], row[i] + 1, start[i], stop[i], 0];
      boxes.set(p, [Math.min(box[0], row[i]), Math.max(box[1], row[i] + 1), Math.min(box[2], start[i]),
                    Math.max(box[3], stop[i]), box[4] + stop[i] - start[i]]);
    });
    return [piece, boxes];
  }

  // How far apart two boxes are: the larger of the row gap and the column gap, 0 if they overlap.
  function gap(a, b) {
    const rows = Math.max(a[0] - b[1], b[0] - a[1], 0);
    const cols = Math.max(a[2] - b[3], b[2] - a[3], 0);
    return Math.max(rows, cols);
  }

  // The longer side of a box.
  function size(box) {
    return Math.max(box[1] - box[0], box[3] - box[2]);
  }

  // The rows a box spans.
  function height(box) {
    return box[1] - box[0];
  }

  // True when two boxes share no column: one lies to the side of the other.
  function beside(a, b) {
    return a[2] >= b[3] || b[2] >= a[3];
  }

  // The box around two boxes, with their areas added.
  function union(a, b) {
    return [Math.min(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[3], b[3]),
            a[4] + b[4]];
  }

  // A digit of its own beside the digit's box: tall (TALL of its height), beside it, and the
  // two together wider than tall.
  function anotherDigit(box, other) {
    const both = union(box, other);
    const wide = both[3] - both[2] > height(both);
    return height(other) >= C.TALL * height(box) && beside(other, box) && wide;
  }

  // [chosen, box]: the largest piece (the first of the largest), grown by the pieces that are
  // not specks and lie within NEAR of its size, unless anotherDigit, until nothing joins; a
  // tall piece left over is another digit, and throws Python's DataError message.
  function digitPieces(boxes) {
    let largest = null;
    for (const [p, box] of boxes) if (largest === null || box[4] > boxes.get(largest)[4]) largest = p;
    const pieces = [...boxes.keys()].sort((a, b) => a - b)
      .filter(p => size(boxes.get(p)) >= C.SPECK * size(boxes.get(largest)));
    const chosen = new Set([largest]);
    let box = boxes.get(largest);
    let grown = true;
    while (grown) {
      grown = false;
      for (const p of pieces) {
        const other = boxes.get(p);
        if (chosen.has(p) || anotherDigit(box, other)) continue;
        if (gap(other, box) <= C.NEAR * size(box)) {
          chosen.add(p);
          box = union(box, other);
          grown = true;
        }
      }
    }
    const others = pieces.filter(p => !chosen.has(p) && height(boxes.get(p)) >= C.TALL * height(box));
    if (others.length) {
      throw dataError(`${others.length + 1} digits side by side, or ink as tall as a digit ` +
                      "beside it; crop the picture to one digit");
    }
    return [chosen, box];
  }

  // The digit's own pieces of ink, other ink erased, in their box; null if there is no ink.
  function crop(ink) {
    const mask = inked(ink);
    if (!mask.data.includes(1)) return null;
    const [piece, boxes] = components(mask);
    const [chosen, [top, bottom, left, right]] = digitPieces(boxes);
    const kept = image(ink.h, ink.w, Float64Array.from(ink.data));
    const [row, start, stop] = runs(mask);
    piece.forEach((p, i) => {
      if (!chosen.has(p)) kept.data.fill(0, row[i] * ink.w + start[i], row[i] * ink.w + stop[i]);
    });
    const out = image(bottom - top, right - left);
    for (let r = 0; r < out.h; r++) {
      for (let c = 0; c < out.w; c++) out.data[r * out.w + c] = kept.data[(r + top) * ink.w + c + left];
    }
    return out;
  }

  function roundHalfUp(x) {
    return Math.floor(x + 0.5);
  }

  // Longer side BOX, the shorter one in proportion, rounded half up, at least 1.
  function boxSize(h, w) {
    const long = Math.max(h, w);
    return [Math.max(1, roundHalfUp(C.BOX * h / long)), Math.max(1, roundHalfUp(C.BOX * w / long))];
  }

  // R[i][k] = max(0, min((i + 1) s, k + 1) - max(i s, k)) / s, s = n / n2: (n2, n).
  function areaWeights(n, n2) {
    const s = n / n2;
    const R = new Float64Array(n2 * n);
    for (let i = 0; i < n2; i++) {
      const lo = i * s, hi = (i + 1) * s;
      for (let k = Math.floor(lo); k < Math.min(n, Math.ceil(hi)); k++) {
        R[i * n + k] = Math.max(Math.min(hi, k + 1) - Math.max(lo, k), 0) / s;
      }
    }
    return R;
  }

  // S = R(h) @ crop @ R(w).T, shape boxSize(h, w).
  function sizeNormalize(img) {
    const [h2, w2] = boxSize(img.h, img.w);
    const Rh = areaWeights(img.h, h2), Rw = areaWeights(img.w, w2);
    const T = new Float64Array(h2 * img.w);               // R(h) @ crop: (h2, w)
    for (let i = 0; i < h2; i++) {
      for (let k = 0; k < img.h; k++) {
        const weight = Rh[i * img.h + k];
        if (weight === 0) continue;
        for (let c = 0; c < img.w; c++) T[i * img.w + c] += weight * img.data[k * img.w + c];
      }
    }
    const S = image(h2, w2);                              // (R(h) @ crop) @ R(w).T: (h2, w2)
    for (let i = 0; i < h2; i++) {
      for (let j = 0; j < w2; j++) {
        let sum = 0;
        for (let l = 0; l < img.w; l++) sum += T[i * img.w + l] * Rw[j * img.w + l];
        S.data[i * w2 + j] = sum;
      }
    }
    return S;
  }

  // r_bar = sum r S[r][c] / sum S[r][c], and c_bar alike.
  function centreOfMass(img) {
    let mass = 0, rSum = 0, cSum = 0;
    for (let r = 0; r < img.h; r++) {
      for (let c = 0; c < img.w; c++) {
        const m = img.data[r * img.w + c];
        mass += m; rSum += r * m; cSum += c * m;
      }
    }
    return [rSum / mass, cSum / mass];
  }

  // Round to 1/SUBPIXEL of a pixel, then half up: the same pixel as NumPy.
  function pixelShift(x) {
    const q = Math.floor(C.SUBPIXEL * x + 0.5);
    return Math.floor((q + C.SUBPIXEL / 2) / C.SUBPIXEL);
  }

  // Paste into an empty FIELD x FIELD field at (top, left), dropping what falls off.
  function place(img, top, left) {
    const field = image(C.FIELD, C.FIELD);
    for (let r = Math.max(top, 0); r < Math.min(top + img.h, C.FIELD); r++) {
      for (let c = Math.max(left, 0); c < Math.min(left + img.w, C.FIELD); c++) {
        field.data[r * C.FIELD + c] = img.data[(r - top) * img.w + (c - left)];
      }
    }
    return field;
  }

  function centre(img) {
    const [rBar, cBar] = centreOfMass(img);
    return place(img, pixelShift(C.CENTRE - rBar), pixelShift(C.CENTRE - cBar));
  }

  // Every step; the 784 pixels of the network's input column, or null if blank. Throws
  // an Error named DataError, with Python's message, for two digits side by side.
  function prepare(rgba, h, w) {
    const ink = toInk(flatten(shrink(toGrey(rgba, h, w))));
    const digit = ink && crop(unrule(ink));
    return digit && centre(sizeNormalize(digit)).data;
  }

  // ---- primitive_nn.network, for one example (a column) -------------------

  // Z = W @ A + b, W of shape (n_out, n_in) stored row after row.
  function linearForward(W, b, A) {
    const n_out = b.length, n_in = A.length;
    const Z = new Float64Array(n_out);
    for (let i = 0; i < n_out; i++) {
      let z = 0;
      for (let k = 0; k < n_in; k++) z += W[i * n_in + k] * A[k];
      Z[i] = z + b[i];
    }
    return Z;
  }

  function relu(Z) {
    return Z.map(z => Math.max(z, 0));
  }

  // Subtract the max before exp, so nothing overflows.
  function softmax(Z) {
    let zMax = -Infinity;
    for (const z of Z) zMax = Math.max(zMax, z);
    const E = Z.map(z => Math.exp(z - zMax));
    let sum = 0;
    for (const e of E) sum += e;
    return E.map(e => e / sum);
  }

  // The cache {A0, Z1, A1, ..., ZD, AD}; AD holds the ten probabilities, the
  // logits divided by the network's temperature first (primitive_nn.calibration).
  function forward(params, X) {
    const D = params.D;
    const cache = { A0: X };
    let A = X;
    for (let l = 1; l <= D; l++) {
      const Z = linearForward(params["W" + l], params["b" + l], A);
      A = l === D ? softmax(Z.map(z => z / params.T)) : relu(Z);
      cache["Z" + l] = Z;
      cache["A" + l] = A;
    }
    return cache;
  }

  // ---- primitive_nn.convolution, .pooling and .convnet, for one example ----

  // One example's maps, (h, w, c) in NumPy: zeros unless `data` is given.
  function maps(h, w, c, data) {
    return { h: h, w: w, c: c, data: data || new Float64Array(h * w * c) };
  }

  // The column of pixels X as a square image of one channel: X.T.reshape(m, 28, 28, 1).
  function asImages(X) {
    const side = Math.round(Math.sqrt(X.length));
    return maps(side, side, 1, X);
  }

  // The zeros a 'same' convolution adds on each side: (k - 1) / 2, for an odd kernel side k.
  function paddingWidth(k) {
    return (k - 1) / 2;
  }

  // The patch matrix (im2col), stride 1: P[(i, j), (u, v, c)] = X^p[i + u, j + v, c], X^p being
  // X with p zeros added on each side. One row per window, in reading order; its kh kw n_C
  // entries in the order of a filter's weights. An image {h, w, data}: (o_H o_W, kh kw n_C).
  function patches(X, kh, kw, p) {
    const oH = X.h + 2 * p - kh + 1, oW = X.w + 2 * p - kw + 1;
    const P = image(oH * oW, kh * kw * X.c);              // zeros: the padding stays 0
    for (let i = 0; i < oH; i++) {
      for (let j = 0; j < oW; j++) {
        for (let u = 0; u < kh; u++) {
          const r = i + u - p;                            // the row of X, or of the padding
          if (r < 0 || r >= X.h) continue;
          for (let v = 0; v < kw; v++) {
            const col = j + v - p;
            if (col < 0 || col >= X.w) continue;
            const from = (r * X.w + col) * X.c, to = (i * oW + j) * P.w + (u * kw + v) * X.c;
            for (let c = 0; c < X.c; c++) P.data[to + c] = X.data[from + c];
          }
        }
      }
    }
    return P;
  }

  // A convolution layer, stride 1, 'same' padding (a cross-correlation, as in Python):
  // Z[i, j, f] = b[f] + sum over u, v, c of X^p[i + u, j + v, c] W[f, u, v, c], as
  // Z = P W_mat^T + b with W_mat = W.reshape(n_F, -1): one row of Z per window. `shape` is W's,
  // [n_F, kh, kw, n_C]; P is X's patch matrix if the caller made it.
  function convForward(X, W, b, shape, P) {
    const [nF, kh, kw] = shape, p = paddingWidth(kh);
    P = P || patches(X, kh, kw, p);                       // (o_H o_W, kh kw n_C)
    const Z = maps(X.h + 2 * p - kh + 1, X.w + 2 * p - kw + 1, nF);
    for (let r = 0; r < P.h; r++) {                       // a window
      for (let f = 0; f < nF; f++) {                      // a filter: row f of W_mat
        let z = 0;
        for (let k = 0; k < P.w; k++) z += P.data[r * P.w + k] * W[f * P.w + k];
        Z.data[r * nF + f] = z + b[f];
      }
    }
    return Z;
  }

  // Max pooling of k x k blocks: A[i, j, c] = max over u, v < k of X[k i + u, k j + v, c].
  function maxPool(X, k) {
    if (X.h % k || X.w % k) throw new Error(`maps of ${X.h}x${X.w} do not split into ${k}x${k} blocks`);
    const A = maps(X.h / k, X.w / k, X.c);
    A.data.fill(-Infinity);
    for (let i = 0; i < A.h; i++) {
      for (let j = 0; j < A.w; j++) {
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            const from = ((k * i + u) * X.w + k * j + v) * X.c, to = (i * A.w + j) * A.c;
            for (let c = 0; c < X.c; c++) A.data[to + c] = Math.max(A.data[to + c], X.data[from + c]);
          }
        }
      }
    }
    return A;
  }

  const convnet = {
    // Maps as a column, row, column, channel: the order one example's maps are stored in, so
    // the column is their data as it is (A.reshape(m, -1).T). A column stays a column.
    flatten(A) {
      return A.data || A;
    },

    // The cache {A0, Z1, A1, ..., ZD, AD, P1, ...}: a W of four axes is a convolution block,
    // Z = convForward(A, W, b), A = maxPool(relu(Z)); one of two a dense layer, as in forward.
    // AD holds the ten probabilities, the logits divided by the temperature first.
    forward(params, X) {
      const D = params.D;
      let A = params.shapes.W1.length === 4 ? asImages(X) : X;
      const cache = { A0: A };
      for (let l = 1; l <= D; l++) {
        const W = params["W" + l], b = params["b" + l], shape = params.shapes["W" + l];
        let Z;
        if (shape.length === 4) {                          // a convolution block
          const k = shape[1];
          const P = cache["P" + l] = patches(A, k, k, paddingWidth(k));  // (n_H n_W, k k n_C)
          Z = convForward(A, W, b, shape, P);              // (n_H, n_W, n_F)
          A = maxPool(maps(Z.h, Z.w, Z.c, relu(Z.data)), params.pool);    // (n_H / 2, n_W / 2, n_F)
        } else {                                           // a dense layer
          Z = linearForward(W, b, convnet.flatten(A));     // (n_l)
          A = l === D ? softmax(Z.map(z => z / params.T)) : relu(Z);
        }
        cache["Z" + l] = Z;
        cache["A" + l] = A;
      }
      return cache;
    },
  };

  // A network's forward pass by its architecture, as models.json names it.
  const ARCHITECTURES = { mlp: forward, convnet: convnet.forward };

  // ---- the weights ---------------------------------------------------------

  // A convnet's pooling side, from its layers as models.json lists them (["pool", 2]); null
  // for an MLP.
  function poolSide(entry) {
    const pool = (entry.layers || []).find(([kind]) => kind === "pool");
    return pool ? pool[1] : null;
  }

  // One network: its arrays are Float32Array views into its .bin file, with their shapes.
  async function loadNetwork(entry) {
    const response = await fetch(new URL(entry.file, MODELS_URL));
    if (!response.ok) throw new Error(`${entry.file}: HTTP ${response.status}`);
    const buffer = await response.arrayBuffer();
    const params = { D: entry.parameters.length / 2, T: entry.temperature || 1,
                     architecture: entry.architecture || "mlp", pool: poolSide(entry), shapes: {} };
    for (const p of entry.parameters) {
      const count = p.shape.reduce((a, b) => a * b, 1);
      params[p.name] = new Float32Array(buffer, 4 * p.offset, count);
      params.shapes[p.name] = p.shape;
    }
    return { entry: entry, params: params };
  }

  // Every network of the manifest, fetched side by side, listed in the manifest's order.
  async function loadNetworks() {
    const manifest = await (await fetch(new URL("models.json", MODELS_URL))).json();
    C = manifest.preprocessing;
    const names = Object.keys(manifest.networks);
    const loaded = await Promise.all(names.map(name => loadNetwork(manifest.networks[name])));
    const networks = Object.fromEntries(names.map((name, i) => [name, loaded[i]]));
    // Below this top probability the page calls its answer unsure (models.UNSURE).
    return { default: manifest.default, networks: networks, unsureBelow: manifest.unsure_below };
  }

  // ---- the page ------------------------------------------------------------

  const app = document.getElementById("try-app");
  const canvas = document.getElementById("try-canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  // strokes: what the reader drew, each stroke a list of [x, y] points in canvas pixels;
  // stroke: the one being drawn, or null; hiddenFor: the network whose units are on show.
  const state = { loaded: null, name: null, strokes: [], stroke: null, pending: false, hiddenFor: null };

  // The brush grows with the drawing. A digit is cropped and scaled until its longer side is
  // BOX (20) pixels, so a fixed brush leaves a small digit's strokes far thicker than MNIST's
  // once scaled up, and a small 8 closes into a 0. Made this fraction of the longer side of
  // the strokes' box, the brush gives every drawing, small or large, MNIST's stroke: about a
  // tenth of the digit's height, as a brush one twelfth of the box wide gave a digit that
  // filled it. Clamped, so that a first dot shows and a huge digit is not painted with a roller.
  const BRUSH_SHARE = 9;
  const BRUSH_MIN = canvas.width / 56, BRUSH_MAX = canvas.width / 9;

  // The brush for these strokes: the longer side of their box over BRUSH_SHARE, clamped.
  function brushWidth(strokes) {
    let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
    for (const points of strokes) {
      for (const [x, y] of points) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
    const extent = bottom >= top ? Math.max(bottom - top, right - left) : 0;
    return Math.min(Math.max(extent / BRUSH_SHARE, BRUSH_MIN), BRUSH_MAX);
  }

  // White paper, then every stroke again in black with the brush the whole drawing calls for:
  // the brush changes as the drawing grows, and what the reader sees is what is read.
  function render() {
    const brush = brushWidth(state.strokes);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = brush;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const points of state.strokes) {
      ctx.beginPath();
      if (points.length === 1) {                          // a tap: a dot as wide as the brush
        ctx.arc(points[0][0], points[0][1], brush / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(points[0][0], points[0][1]);
      for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();                                       // one path: no darker joints
    }
  }

  function clearCanvas() {
    state.strokes = [];
    state.stroke = null;
    render();
    show(null);
  }

  // Replace the drawing by these strokes (lists of [x, y] in canvas pixels) and read it now,
  // not at the next frame: for the tests, and for drawing from the console.
  function drawStrokes(strokes) {
    state.strokes = strokes.map(points => points.map(([x, y]) => [x, y]));
    state.stroke = null;
    render();
    update();
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width,
            (event.clientY - box.top) * canvas.height / box.height];
  }

  // Draw and read once a frame, however many pointer events came in between.
  function schedule() {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => { state.pending = false; render(); update(); });
  }

  function canvasRGBA() {
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  }

  function update() {
    if (!state.loaded || !state.strokes.length) return show(null);
    let X;
    try {
      X = prepare(canvasRGBA(), canvas.height, canvas.width);
    } catch (error) {
      if (error.name !== "DataError") throw error;
      return show(null, null, null, error.message);       // two digits: say so, read neither
    }
    if (!X) return show(null);
    const params = state.loaded.networks[state.name].params;
    show(X, ARCHITECTURES[params.architecture](params, X), params.D);
  }

  function show(X, cache, D, message) {
    showAnswer(cache && cache["A" + D], message);
    showSeen(X);
    showHidden(cache && D === 2 ? cache.A1 : null);
  }

  // The first of the largest, as NumPy's argmax.
  function argmax(A) {
    let best = 0;
    for (let d = 1; d < A.length; d++) if (A[d] > A[best]) best = d;
    return best;
  }

  // A probability in percent with `decimals` decimals, rounded down: an answer the page calls
  // unsure (below unsureBelow) never shows the threshold itself, as 0.797 rounded to "80%"
  // would, and the answer's "99%" and its bar's "99.9%" agree.
  function percent(p, decimals) {
    const scale = 10 ** decimals;
    return `${(Math.floor(100 * scale * p) / scale).toFixed(decimals)}%`;
  }

  // The digit read and its probability, "7 · 98%", marked unsure below the manifest's
  // unsure_below; or a message in its place (in small type) when the drawing cannot be read.
  // The ten bars below it. A: the ten probabilities, or null. Also for the tests, which give
  // it probabilities of their own.
  function showAnswer(A, message) {
    const prediction = document.getElementById("prediction");
    const digit = A ? argmax(A) : null;
    const p = A ? A[digit] : null;
    const unsure = Boolean(A && state.loaded && p < state.loaded.unsureBelow);
    prediction.replaceChildren();
    if (A) {
      prediction.append(textSpan("try-digit", String(digit)),
                        textSpan("try-confidence", ` · ${percent(p, 0)}`));
      if (unsure) prediction.append(textSpan("try-unsure-word", " unsure"));
    } else {
      prediction.textContent = message || "";
    }
    prediction.dataset.digit = A ? String(digit) : "";
    prediction.dataset.confidence = A ? String(p) : "";
    prediction.dataset.message = message || "";
    prediction.classList.toggle("try-unsure", unsure);
    prediction.classList.toggle("try-message", Boolean(message));
    prediction.title = A ? `${(100 * p).toFixed(1)}% sure` : "";
    showBars(document.getElementById("try-bars"), A, digit);
  }

  function textSpan(className, text) {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  // Each bar's length is its probability --p, set here; the stylesheet lays the bars out
  // across (wide screens) or as columns under the canvas (phones).
  function showBars(list, A, digit) {
    list.replaceChildren();
    for (let d = 0; d < 10; d++) {
      const p = A ? A[d] : 0;
      const row = document.createElement("li");
      row.className = d === digit ? "try-best" : "";
      row.innerHTML = `<span class="try-label">${d}</span><span class="try-track">` +
        `<span class="try-bar" style="--p:${p.toFixed(4)}"></span></span>` +
        `<span class="try-value">${A ? percent(p, 1) : ""}</span>`;
      list.appendChild(row);
    }
  }

  function showSeen(X) {
    const seen = document.getElementById("try-seen");
    const seenCtx = seen.getContext("2d");
    const pixels = seenCtx.createImageData(C ? C.FIELD : 28, C ? C.FIELD : 28);
    for (let i = 0; i < pixels.width * pixels.height; i++) {
      const grey = Math.round(255 * (1 - (X ? X[i] : 0)));   // ink dark, as the figures draw it
      pixels.data.set([grey, grey, grey, 255], 4 * i);
    }
    seenCtx.putImageData(pixels, 0, 0);
  }

  // The parameters of the network chosen if its hidden layer is small enough to show, else null.
  function smallHidden() {
    const params = state.loaded && state.loaded.networks[state.name].params;
    return params && params.D === 2 && params.b1.length <= 16 ? params : null;
  }

  // matplotlib's RdBu_r, the scale of the book's own pictures of W1 (primitive_nn.machinery
  // .pages.results): its 11 colours, from dark blue for -1 through near-white for 0 to dark
  // red for +1, as [r, g, b].
  const RD_BU_R = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                   "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
    .map(hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)));

  // The colour of t in [-1, 1] on RD_BU_R, between its two nearest colours.
  function diverging(t) {
    const x = (Math.min(Math.max(t, -1), 1) + 1) / 2 * (RD_BU_R.length - 1);
    const i = Math.min(Math.floor(x), RD_BU_R.length - 2), f = x - i;
    return RD_BU_R[i].map((c, k) => Math.round(c + f * (RD_BU_R[i + 1][k] - c)));
  }

  // One unit's incoming weights w (784 of them, row i of W1) as a 28x28 picture, on a scale
  // symmetric around 0 and stretched to the row's largest |w|: where ink lights the unit up is
  // red, where it holds it down is blue.
  function drawWeights(target, w) {
    let limit = 0;
    for (const x of w) limit = Math.max(limit, Math.abs(x));
    const targetCtx = target.getContext("2d");
    const pixels = targetCtx.createImageData(target.width, target.height);
    for (let i = 0; i < w.length; i++) {
      pixels.data.set([...diverging(limit > 0 ? w[i] / limit : 0), 255], 4 * i);
    }
    targetCtx.putImageData(pixels, 0, 0);
  }

  // One cell per hidden unit: the picture of its weights, a circle as bright as it is active
  // and its activation. Built when the network changes; showHidden fills in the activations.
  function buildHidden(list, params) {
    const n_in = params.W1.length / params.b1.length;
    list.replaceChildren();
    for (let i = 0; i < params.b1.length; i++) {
      const cell = document.createElement("li");
      const weights = document.createElement("canvas");
      weights.className = "try-weights";
      weights.width = weights.height = Math.round(Math.sqrt(n_in));
      weights.setAttribute("aria-label",
                           `the weights of hidden unit ${i}, row ${i} of W1: red positive, blue negative`);
      drawWeights(weights, params.W1.subarray(i * n_in, (i + 1) * n_in));
      const activity = document.createElement("span");
      activity.className = "try-activity";
      activity.append(textSpan("try-unit", ""), textSpan("try-value", "–"));
      cell.append(weights, activity);
      list.appendChild(cell);
    }
  }

  function showHidden(A1) {
    const box = document.getElementById("try-hidden");
    const list = document.getElementById("try-hidden-units");
    const params = smallHidden();
    box.hidden = !params;
    if (!params) {
      list.replaceChildren();
      state.hiddenFor = null;
      return;
    }
    if (state.hiddenFor !== state.name) {
      buildHidden(list, params);
      state.hiddenFor = state.name;
    }
    const top = A1 ? Math.max(1e-9, ...A1) : 1;
    [...list.children].forEach((cell, i) => {
      const a = A1 ? A1[i] : 0;
      cell.querySelector(".try-unit").style.opacity = (0.08 + 0.92 * a / top).toFixed(3);
      cell.querySelector(".try-value").textContent = A1 ? a.toFixed(2) : "–";
      cell.title = `hidden unit ${i}: A1 = ${a.toFixed(3)}`;
    });
  }

  // A network's layers in a few words: "784-400-400-10" for an MLP, and for a convnet
  // "conv 5×5×16, pool 2, conv 5×5×32, pool 2, 128, 10" (its ReLUs go without saying).
  function layersTitle(entry) {
    if (entry.layer_sizes) return entry.layer_sizes.join("-");
    return entry.layers.filter(([kind]) => kind !== "relu").map(([kind, a, b]) =>
      kind === "conv" ? `conv ${a}×${a}×${b}` : kind === "pool" ? `pool ${a}` : String(a)).join(", ");
  }

  // One radio button per network: its layers and test accuracy, its description below.
  function choices(loaded) {
    const fieldset = document.getElementById("try-networks");
    for (const [name, { entry }] of Object.entries(loaded.networks)) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "network";
      input.value = name;
      input.checked = name === state.name;
      input.addEventListener("change", () => { state.name = name; update(); });
      const text = document.createElement("span");
      const sizes = document.createElement("strong");
      sizes.textContent = layersTitle(entry);
      const about = document.createElement("span");
      about.className = "try-caption";
      about.textContent = `${entry.description}; test accuracy ${(100 * entry.test_accuracy).toFixed(2)}%`;
      text.append(sizes, document.createElement("br"), about);
      label.append(input, text);
      fieldset.appendChild(label);
    }
  }

  // A stroke is the points of one pointer from down to up; each frame draws them all.
  function listen() {
    canvas.addEventListener("pointerdown", event => {
      if (!state.loaded) return;
      event.preventDefault();
      try {
        canvas.setPointerCapture(event.pointerId); // keep drawing when the pointer leaves the box
      } catch (error) {
        // a pointer the browser does not track (a synthetic event): draw without capture
      }
      state.stroke = [point(event)];
      state.strokes.push(state.stroke);
      schedule();
    });
    canvas.addEventListener("pointermove", event => {
      if (!state.stroke) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const e of events.length ? events : [event]) state.stroke.push(point(e));
      schedule();
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, () => { state.stroke = null; });
    }
    document.getElementById("try-clear").addEventListener("click", clearCanvas);
  }

  clearCanvas();
  listen();
  const ready = loadNetworks().then(loaded => {
    state.loaded = loaded;
    state.name = loaded.default;
    choices(loaded);
    app.classList.add("try-ready");
    document.getElementById("try-status").textContent = "Draw a digit in the box.";
    clearCanvas();
    return loaded;
  }).catch(error => {
    document.getElementById("try-status").textContent =
      `The networks could not be loaded (${error.message}). Serve the built site over HTTP, ` +
      "for example with mkdocs serve, rather than opening the file directly.";
    throw error;
  });

  // For the tests (tests/test_try_page.py) and for the curious, in the console.
  // (`window` is the Python-named function here: the browser's window is globalThis.)
  globalThis.primitiveNN = {
    ready: ready, canvasRGBA: canvasRGBA, constants: () => C,
    paperBehind: paperBehind, toGrey: toGrey, reduction: reduction, shrink: shrink,
    border: border, window: window, sliding: sliding, paperLevel: paperLevel,
    flatten: flatten, toInk: toInk, ruleRows: ruleRows, unrule: unrule, runs: runs,
    components: components, gap: gap, size: size, height: height, beside: beside,
    union: union, anotherDigit: anotherDigit, digitPieces: digitPieces, crop: crop,
    roundHalfUp: roundHalfUp, boxSize: boxSize, areaWeights: areaWeights,
    sizeNormalize: sizeNormalize, centreOfMass: centreOfMass,
    pixelShift: pixelShift, place: place, centre: centre, prepare: prepare,
    linearForward: linearForward, relu: relu, softmax: softmax, forward: forward,
    asImages: asImages, paddingWidth: paddingWidth, patches: patches, convForward: convForward,
    maxPool: maxPool, convnet: convnet, ARCHITECTURES: ARCHITECTURES, layersTitle: layersTitle,
    network: name => state.loaded.networks[name].params,
    brushWidth: brushWidth, drawStrokes: drawStrokes, strokes: () => state.strokes,
    showAnswer: showAnswer, unsureBelow: () => state.loaded.unsureBelow,
  };
})();

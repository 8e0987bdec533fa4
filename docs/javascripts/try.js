// The "Try it" page: draw a digit, and the book's networks read it as you draw.
//
// Plain JavaScript written for this book, with no library and no request
// except for the site's own files. It mirrors two chapters, function for
// function and name for name:
//
//   primitive_nn.handwriting  paperBehind, toGrey, border, toInk, crop, boxSize,
//                             areaWeights, sizeNormalize, centreOfMass,
//                             pixelShift, place, centre, prepare
//   primitive_nn.layers, .activations, .loss, .network: linearForward, relu, softmax, forward
//
// The constants of the preparation (the 20-pixel box, the centre, the ink
// levels) come from assets/models/models.json, which the book's build writes
// from the Python module itself (primitive_nn.machinery.models), together
// with one float32 .bin file of weights per network.
//
// An image is {h, w, data}: h rows of w float64 values, row after row, as
// NumPy stores an (h, w) array. A column of the network (X, Z1, A1, ...) is
// one example: a Float64Array. All arithmetic is float64, as in NumPy.
(function () {
  "use strict";

  const MODELS_URL = new URL("../assets/models/", document.currentScript.src);
  let C = null; // FIELD, BOX, CENTRE, LUMA, MIN_CONTRAST, INK_LEVEL, SUBPIXEL

  // ---- primitive_nn.handwriting ------------------------------------------

  function image(h, w, data) {
    return { h: h, w: w, data: data || new Float64Array(h * w) };
  }

  // grey = A * (RGB @ LUMA) + (1 - A): paper white, a transparent pixel white.
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

  // Ink 1, paper 0; null for a blank image (p - b < MIN_CONTRAST).
  function toInk(grey) {
    const light = median(border(grey)) > 0.5;            // dark on light: invert
    const v = image(grey.h, grey.w, grey.data.map(g => (light ? 1 - g : g)));
    const b = median(border(v));                          // paper level
    let p = -Infinity;                                    // darkest ink
    for (const x of v.data) p = Math.max(p, x);
    if (!(p - b >= C.MIN_CONTRAST)) return null;
    const t = b + C.INK_LEVEL * (p - b);                  // below t: paper
    return image(v.h, v.w, v.data.map(x => Math.min(Math.max((x - t) / (p - t), 0), 1)));
  }

  // The bounding box of the pixels above 0.
  function crop(ink) {
    let r0 = ink.h, r1 = -1, c0 = ink.w, c1 = -1;
    for (let r = 0; r < ink.h; r++) {
      for (let c = 0; c < ink.w; c++) {
        if (ink.data[r * ink.w + c] > 0) {
          r0 = Math.min(r0, r); r1 = Math.max(r1, r); c0 = Math.min(c0, c); c1 = Math.max(c1, c);
        }
      }
    }
    const out = image(r1 - r0 + 1, c1 - c0 + 1);
    for (let r = 0; r < out.h; r++) {
      for (let c = 0; c < out.w; c++) out.data[r * out.w + c] = ink.data[(r + r0) * ink.w + c + c0];
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

  // Every step; the 784 pixels of the network's input column, or null if blank.
  function prepare(rgba, h, w) {
    const ink = toInk(toGrey(rgba, h, w));
    return ink && centre(sizeNormalize(crop(ink))).data;
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

  // ---- the weights ---------------------------------------------------------

  // Each network's arrays are Float32Array views into its .bin file.
  async function loadNetworks() {
    const manifest = await (await fetch(new URL("models.json", MODELS_URL))).json();
    C = manifest.preprocessing;
    const networks = {};
    for (const [name, entry] of Object.entries(manifest.networks)) {
      const response = await fetch(new URL(entry.file, MODELS_URL));
      if (!response.ok) throw new Error(`${entry.file}: HTTP ${response.status}`);
      const buffer = await response.arrayBuffer();
      const params = { D: entry.layer_sizes.length - 1, T: entry.temperature || 1 };
      for (const p of entry.parameters) {
        const size = p.shape.reduce((a, b) => a * b, 1);
        params[p.name] = new Float32Array(buffer, 4 * p.offset, size);
      }
      networks[name] = { entry: entry, params: params };
    }
    return { default: manifest.default, networks: networks };
  }

  // ---- the page ------------------------------------------------------------

  const app = document.getElementById("try-app");
  const canvas = document.getElementById("try-canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const BRUSH = canvas.width / 12; // a stroke as thick as MNIST's, once the digit is 20 pixels tall
  const state = { loaded: null, name: null, drawn: false, last: null, pending: false };

  function clearCanvas() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    state.drawn = false;
    show(null);
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width,
            (event.clientY - box.top) * canvas.height / box.height];
  }

  function stroke(from, to) {
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = BRUSH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    state.drawn = true;
    schedule();
  }

  function schedule() {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => { state.pending = false; update(); });
  }

  function canvasRGBA() {
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  }

  function update() {
    if (!state.loaded || !state.drawn) return show(null);
    const X = prepare(canvasRGBA(), canvas.height, canvas.width);
    if (!X) return show(null);
    const params = state.loaded.networks[state.name].params;
    show(X, forward(params, X), params.D);
  }

  function show(X, cache, D) {
    const prediction = document.getElementById("prediction");
    const A = cache && cache["A" + D];
    const digit = A ? A.indexOf(Math.max(...A)) : null;
    prediction.textContent = A ? String(digit) : "";
    prediction.dataset.digit = A ? String(digit) : "";
    prediction.title = A ? `${(100 * A[digit]).toFixed(1)}% sure` : "";
    showBars(document.getElementById("try-bars"), A, digit);
    showSeen(X);
    const hidden = cache && D === 2 && cache.A1.length <= 16 ? cache.A1 : null;
    showHidden(hidden);
  }

  function showBars(list, A, digit) {
    list.replaceChildren();
    for (let d = 0; d < 10; d++) {
      const p = A ? A[d] : 0;
      const row = document.createElement("li");
      row.className = d === digit ? "try-best" : "";
      row.innerHTML = `<span class="try-label">${d}</span><span class="try-track">` +
        `<span class="try-bar" style="width:${(100 * p).toFixed(2)}%"></span></span>` +
        `<span class="try-value">${A ? (100 * p).toFixed(1) + "%" : ""}</span>`;
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

  function showHidden(A1) {
    const box = document.getElementById("try-hidden");
    const list = document.getElementById("try-hidden-units");
    box.hidden = !(state.loaded && state.loaded.networks[state.name].params.D === 2 &&
                   state.loaded.networks[state.name].params.b1.length <= 16);
    list.replaceChildren();
    const n = box.hidden ? 0 : state.loaded.networks[state.name].params.b1.length;
    const top = A1 ? Math.max(1e-9, ...A1) : 1;
    for (let i = 0; i < n; i++) {
      const a = A1 ? A1[i] : 0;
      const cell = document.createElement("li");
      cell.innerHTML = `<span class="try-unit" style="opacity:${(0.08 + 0.92 * a / top).toFixed(3)}"></span>` +
        `<span class="try-value">${A1 ? a.toFixed(2) : "–"}</span>`;
      cell.title = `hidden unit ${i}: A1 = ${a.toFixed(3)}`;
      list.appendChild(cell);
    }
  }

  // One radio button per network: its layer sizes and test accuracy, its description below.
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
      sizes.textContent = entry.layer_sizes.join("-");
      const about = document.createElement("span");
      about.className = "try-caption";
      about.textContent = `${entry.description}; test accuracy ${(100 * entry.test_accuracy).toFixed(2)}%`;
      text.append(sizes, document.createElement("br"), about);
      label.append(input, text);
      fieldset.appendChild(label);
    }
  }

  function listen() {
    canvas.addEventListener("pointerdown", event => {
      if (!state.loaded) return;
      event.preventDefault();
      try {
        canvas.setPointerCapture(event.pointerId); // keep drawing when the pointer leaves the box
      } catch (error) {
        // a pointer the browser does not track (a synthetic event): draw without capture
      }
      state.last = point(event);
      stroke(state.last, state.last);
    });
    canvas.addEventListener("pointermove", event => {
      if (!state.last) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const e of events.length ? events : [event]) {
        const next = point(e);
        stroke(state.last, next);
        state.last = next;
      }
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, () => { state.last = null; });
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
  window.primitiveNN = {
    ready: ready, canvasRGBA: canvasRGBA, constants: () => C,
    toGrey: toGrey, border: border, toInk: toInk, crop: crop, boxSize: boxSize,
    areaWeights: areaWeights, sizeNormalize: sizeNormalize, centreOfMass: centreOfMass,
    pixelShift: pixelShift, place: place, centre: centre, prepare: prepare,
    linearForward: linearForward, relu: relu, softmax: softmax, forward: forward,
    network: name => state.loaded.networks[name].params,
  };
})();

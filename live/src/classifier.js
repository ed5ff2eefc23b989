// The hand classifier of notebook 09, run in the browser: a plain forward pass of its few dense layers.
//
// The course exports the trained Keras model to JSON (python -m tools.live export): the standardisation's
// mean and variance, then each Dense layer's kernel, bias and activation. That is the whole network, so a
// dozen lines of arithmetic run it exactly; tests/live/test_live_parity.py checks that the probabilities
// match Keras' to 1e-4. Calibration to one hand is helpers.hands.CalibratedClassifier, line for line.

import { classifierFeatures, mirror } from "./features.js";

function dense(input, layer) {
  const { kernel, bias, activation } = layer; // kernel: [inputs][units]
  const out = bias.slice();
  for (let i = 0; i < input.length; i++) {
    const xi = input[i];
    if (xi === 0) continue;
    const row = kernel[i];
    for (let u = 0; u < out.length; u++) out[u] += xi * row[u];
  }
  if (activation === "relu") return out.map((v) => (v > 0 ? v : 0));
  if (activation === "softmax") {
    const top = Math.max(...out);
    const e = out.map((v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }
  if (activation === "linear") return out;
  throw new Error(`unknown activation ${activation}`);
}

export class HandClassifier {
  /** @param {object} exported the JSON written by `python -m tools.live export` */
  constructor(exported) {
    if (exported.format !== "sign-mnist-hand-classifier" || exported.layers.length < 1) {
      throw new Error("this file is not a hand classifier exported by the course (python -m tools.live export)");
    }
    this.letters = exported.letters; // index → letter ("A" … "Y"; "J" is never predicted)
    this.mean = exported.mean;
    this.scale = exported.variance.map((v) => Math.max(Math.sqrt(v), exported.epsilon));
    this.layers = exported.layers;
    this.nFeatures = exported.n_features;
  }

  /** The last hidden layer's output for 336 features: what calibration's small head reads. */
  hidden(features) {
    let x = features.map((v, i) => (v - this.mean[i]) / this.scale[i]);
    for (const layer of this.layers.slice(0, -1)) x = dense(x, layer);
    return x;
  }

  /** Letter probabilities for 336 features. */
  probabilitiesOfFeatures(features) {
    return dense(this.hidden(features), this.layers[this.layers.length - 1]);
  }

  /** Letter probabilities for a hand (21 keypoints in pixels): the mean over the hand and its mirror image. */
  predict(points) {
    const a = this.probabilitiesOfFeatures(classifierFeatures(points));
    const b = this.probabilitiesOfFeatures(classifierFeatures(mirror(points)));
    return a.map((v, i) => (v + b[i]) / 2);
  }
}

function softmax(scores) {
  const top = Math.max(...scores);
  const e = scores.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/**
 * helpers.hands.fit_softmax_regression, step for step: the weights ([features][classes]) and biases of a softmax
 * regression fitted to rows x with labels y, by Nesterov's accelerated gradient descent with a fixed step.
 * Flat Float64Arrays (weight of feature j for class m at j * k + m) keep it fast enough to run once per
 * recording; its time grows with the number of recorded frames times the number of letters.
 */
export function fitSoftmaxRegression(x, y, classes, c, steps) {
  const n = x.length;
  const f = x[0].length;
  const k = classes.length;
  // power iteration: the largest eigenvalue λ of [x 1]ᵀ[x 1] bounds the curvature, and so sets the step
  const withOnes = x.map((row) => [...row, 1]);
  let vector = new Array(f + 1).fill(1 / Math.sqrt(f + 1));
  const times = (v) => withOnes.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
  for (let it = 0; it < 30; it++) {
    const u = times(vector);
    const next = new Array(f + 1).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j <= f; j++) next[j] += withOnes[i][j] * u[i];
    const norm = Math.hypot(...next);
    vector = next.map((v) => v / norm);
  }
  const lambda = times(vector).reduce((s, v) => s + v * v, 0);
  const step = 1 / ((c * lambda) / 2 + 1);

  const rows = x.map((row) => Float64Array.from(row));
  const target = y.map((label) => classes.indexOf(label));
  let weights = new Float64Array(f * k);
  let biases = new Float64Array(k);
  let previousWeights = weights;
  let previousBiases = biases;
  const wAhead = new Float64Array(f * k);
  const bAhead = new Float64Array(k);
  const gradient = new Float64Array(f * k);
  const errorSum = new Float64Array(k);
  const scores = new Float64Array(k);
  for (let t = 1; t <= steps; t++) {
    const momentum = (t - 1) / (t + 2);
    for (let q = 0; q < f * k; q++) wAhead[q] = weights[q] + momentum * (weights[q] - previousWeights[q]);
    for (let m = 0; m < k; m++) bAhead[m] = biases[m] + momentum * (biases[m] - previousBiases[m]);
    gradient.fill(0);
    errorSum.fill(0);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      scores.set(bAhead);
      for (let j = 0; j < f; j++) {
        const xij = row[j];
        if (xij === 0) continue;
        for (let m = 0; m < k; m++) scores[m] += xij * wAhead[j * k + m];
      }
      let top = -Infinity;
      for (let m = 0; m < k; m++) top = Math.max(top, scores[m]);
      let total = 0;
      for (let m = 0; m < k; m++) total += (scores[m] = Math.exp(scores[m] - top));
      for (let m = 0; m < k; m++) scores[m] = c * (scores[m] / total - (m === target[i] ? 1 : 0)); // the error
      for (let m = 0; m < k; m++) errorSum[m] += scores[m];
      for (let j = 0; j < f; j++) {
        const xij = row[j];
        if (xij === 0) continue;
        for (let m = 0; m < k; m++) gradient[j * k + m] += xij * scores[m];
      }
    }
    previousWeights = weights;
    previousBiases = biases;
    weights = new Float64Array(f * k);
    biases = new Float64Array(k);
    for (let q = 0; q < f * k; q++) weights[q] = wAhead[q] - step * (gradient[q] + wAhead[q]);
    for (let m = 0; m < k; m++) biases[m] = bAhead[m] - step * errorSum[m];
  }
  return {
    weights: Array.from({ length: f }, (_, j) => Array.from(weights.subarray(j * k, (j + 1) * k))),
    biases: Array.from(biases),
  };
}

/**
 * A classifier adapted to one person (helpers.hands.CalibratedClassifier): a new last layer, a softmax
 * regression fitted on the person's examples (and their mirror images) in the network's last hidden layer. A new
 * hand's probability share of the calibrated letters is split again, partly (weight) as that layer says, partly
 * as the base classifier said. Letters without examples keep the base answer exactly.
 */
export class CalibratedClassifier {
  constructor(base, hands, labels, weight, steps, c) {
    if (!hands.length || hands.length !== labels.length) throw new Error("calibration needs one letter per hand");
    this.base = base;
    this.weight = weight;
    this.letters = [...new Set(labels)].sort((a, b) => a - b);
    const spaceOf = (points) => base.hidden(classifierFeatures(points));
    const x = [...hands.map(spaceOf), ...hands.map((h) => spaceOf(mirror(h)))];
    this.refit = this.letters.length > 1 ? fitSoftmaxRegression(x, [...labels, ...labels], this.letters, c, steps) : null;
  }

  probabilitiesOfFeatures(features) {
    const probabilities = this.base.probabilitiesOfFeatures(features).slice();
    if (!this.refit) return probabilities; // one letter calibrated: nothing to split
    const point = this.base.hidden(features);
    const { weights, biases } = this.refit;
    const split = softmax(biases.map((b, m) => point.reduce((s, v, j) => s + v * weights[j][m], b)));
    const share = this.letters.reduce((s, c) => s + probabilities[c], 0);
    this.letters.forEach((c, m) => {
      probabilities[c] = (1 - this.weight) * probabilities[c] + this.weight * split[m] * share;
    });
    return probabilities;
  }

  predict(points) {
    const a = this.probabilitiesOfFeatures(classifierFeatures(points));
    const b = this.probabilitiesOfFeatures(classifierFeatures(mirror(points)));
    return a.map((v, i) => (v + b[i]) / 2);
  }
}

/** The k most probable letters as [letter, probability], best first. */
export function topLetters(probabilities, letters, k = 3) {
  return probabilities
    .map((p, i) => [letters[i], p])
    .filter(([letter]) => letter !== "J" && letter !== "Z")
    .sort((a, b) => b[1] - a[1])
    .slice(0, k);
}

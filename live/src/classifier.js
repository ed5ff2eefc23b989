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

  /** The last hidden layer's output for 336 features: what calibration measures distances in. */
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

/**
 * A classifier adapted to one person (helpers.hands.CalibratedClassifier): for each letter with examples,
 * the mean of the last hidden layer over them (a prototype, and one of their mirror images). A new hand's
 * probability share of the calibrated letters is split again, partly (weight) by how close the hand is to each
 * prototype, partly as the base classifier said. Letters without examples keep the base answer exactly.
 */
export class CalibratedClassifier {
  constructor(base, hands, labels, weight, sharpness) {
    if (!hands.length || hands.length !== labels.length) throw new Error("calibration needs one letter per hand");
    this.base = base;
    this.weight = weight;
    this.sharpness = sharpness;
    this.letters = [...new Set(labels)].sort((a, b) => a - b);
    const mean = (rows) => rows[0].map((_, k) => rows.reduce((s, r) => s + r[k], 0) / rows.length);
    const spaceOf = (points) => base.hidden(classifierFeatures(points));
    this.prototypes = this.letters.map((c) => mean(hands.filter((_, i) => labels[i] === c).map(spaceOf)));
    this.mirroredPrototypes = this.letters.map((c) =>
      mean(hands.filter((_, i) => labels[i] === c).map((h) => spaceOf(mirror(h)))));
  }

  probabilitiesOfFeatures(features) {
    const probabilities = this.base.probabilitiesOfFeatures(features).slice();
    const point = this.base.hidden(features);
    const distanceTo = (p) => Math.hypot(...p.map((v, k) => point[k] - v));
    const distance = this.letters.map((_, c) =>
      Math.min(distanceTo(this.prototypes[c]), distanceTo(this.mirroredPrototypes[c])));
    const sorted = distance.slice().sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    const logits = distance.map((d) => (-this.sharpness * d) / (median + 1e-6));
    const top = Math.max(...logits);
    const closeness = logits.map((l) => Math.exp(l - top));
    const total = closeness.reduce((a, b) => a + b, 0);
    const share = this.letters.reduce((s, c) => s + probabilities[c], 0);
    this.letters.forEach((c, k) => {
      probabilities[c] = (1 - this.weight) * probabilities[c] + this.weight * (closeness[k] / total) * share;
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

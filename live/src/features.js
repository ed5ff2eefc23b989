// The hand features of notebook 09, in JavaScript: the same numbers as helpers/hands.py computes.
//
// A hand is 21 keypoints [x, y, z] in pixels (z on x's scale), as MediaPipe's hand landmarker gives them
// once its 0–1 coordinates are multiplied by the picture's width and height. The classifier reads 336
// numbers per hand: handFeatures (270) then palmFrame (66). tests/live/test_live_parity.py checks that
// these functions give Python's numbers to 1e-5.

const KNUCKLES = [5, 9, 13, 17]; // index, middle, ring and little finger knuckles
const MIDDLE_KNUCKLE = 9;
const INDEX_KNUCKLE = 5;
const LITTLE_KNUCKLE = 17;

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a) => Math.hypot(a[0], a[1], a[2]);
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (a) => {
  const length = Math.max(norm(a), 1e-6);
  return [a[0] / length, a[1] / length, a[2] / length];
};

/** The same hand seen in a mirror: x → −x (a left hand becomes a right hand). */
export function mirror(points) {
  return points.map(([x, y, z]) => [-x, y, z]);
}

/** Wrist-centred keypoints divided by the palm size (the mean wrist-to-knuckle distance). */
function scaledHand(points) {
  const wrist = points[0];
  const centred = points.map((p) => sub(p, wrist));
  const palm = KNUCKLES.reduce((sum, k) => sum + norm(centred[k]), 0) / KNUCKLES.length;
  const scale = Math.max(palm, 1e-6);
  return centred.map(([x, y, z]) => [x / scale, y / scale, z / scale]);
}

/**
 * 21 keypoints → 270 numbers that ignore where the hand is and how big it is (helpers.hands.hand_features):
 * the 20 non-wrist points, wrist-centred and on the palm's scale (60), then the 210 distances between every
 * pair of the 21 points in the order of numpy's triu_indices(21, k=1).
 */
export function handFeatures(points) {
  const scaled = scaledHand(points);
  const out = [];
  for (let p = 1; p < 21; p++) out.push(...scaled[p]);
  for (let i = 0; i < 21; i++) {
    for (let j = i + 1; j < 21; j++) out.push(norm(sub(scaled[i], scaled[j])));
  }
  return out;
}

/**
 * 21 keypoints → 66 numbers (helpers.hands.palm_frame): the 20 points written in the palm's own frame (y from
 * the wrist to the middle knuckle, z out of the palm, x across the knuckles), then the frame's y and z axes
 * as seen in the picture, which say how the hand is turned.
 */
export function palmFrame(points) {
  const scaled = scaledHand(points);
  const y = unit(scaled[MIDDLE_KNUCKLE]);
  const z = unit(cross(sub(scaled[INDEX_KNUCKLE], scaled[LITTLE_KNUCKLE]), y));
  const x = cross(y, z);
  const out = [];
  for (let p = 1; p < 21; p++) {
    // the middle knuckle lies on the frame's y axis by construction: x and z are 0 (as in Python, not rounding noise)
    if (p === MIDDLE_KNUCKLE) out.push(0, dot(scaled[p], y), 0);
    else out.push(dot(scaled[p], x), dot(scaled[p], y), dot(scaled[p], z));
  }
  return out.concat(y, z);
}

/** What the classifier reads (helpers.hands.classifier_features): handFeatures then palmFrame, 336 numbers. */
export function classifierFeatures(points) {
  return handFeatures(points).concat(palmFrame(points));
}

/** MediaPipe's normalised landmarks ({x, y, z} in 0–1) → keypoints in pixels, as helpers.hand_landmarks has them. */
export function toPixels(landmarks, width, height) {
  return landmarks.map((p) => [p.x * width, p.y * height, p.z * width]);
}

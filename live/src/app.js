// The live page: camera → MediaPipe hand landmarker (VIDEO mode) → the course's hand features → the classifier
// notebook 09 trained → the letter, its top 3, a speller, and an optional calibration to your hand.
//
// Everything is served by the page's own origin (see index.html's Content-Security-Policy): the landmarker's
// WebAssembly from vendor/, the two model files from models/. Nothing is sent anywhere.

import { FilesetResolver, HandLandmarker } from "../vendor/tasks-vision/vision_bundle.mjs";
import { CalibratedClassifier, HandClassifier, topLetters } from "./classifier.js";
import { toPixels } from "./features.js";
import { Speller } from "./speller.js";

const WASM_FOLDER = new URL("../vendor/tasks-vision/wasm", import.meta.url).href;
const LANDMARKER_FILE = new URL("../models/hand_landmarker.task", import.meta.url).href;
const CLASSIFIER_FILE = new URL("../models/hand_classifier.json", import.meta.url).href;
const TWO_HAND_CHECK_MS = 500; // how often a second landmarker looks for a second hand (see findSecondHand)
const CALIBRATION_FRAMES = 10; // frames recorded per letter,
const CALIBRATION_EVERY_MS = 200; // one every 0.2 s: about 2 seconds of holding the sign
const CALIBRATION_LIMIT_MS = 6000; // a recording that has not got its frames by then ends with what it has
const STORAGE_KEY = "sign-mnist-live-calibration-v1";
const CONFIDENCE = 0.3; // as helpers.hand_landmarks.CONFIDENCE

const $ = (id) => document.getElementById(id);
const say = (text) => { $("status").textContent = text; };

const state = {
  landmarker: null, // numHands 1, every frame
  checker: null, // numHands 2, twice a second: is there a second hand?
  exported: null,
  base: null,
  classifier: null,
  speller: new Speller(),
  stream: null,
  running: false,
  twoHands: false,
  lastCheck: -Infinity,
  recording: null, // {letter, hands: []} while calibrating
  frameTimes: [],
};
// What the tests and the benchmark read (nothing here leaves the page).
window.liveStats = { frames: 0, fps: 0, detectMs: 0, classifyMs: 0, letter: null, message: "", ready: false };

async function loadModels() {
  if (typeof WebAssembly !== "object") {
    throw new Error("This browser cannot run WebAssembly, which the hand landmarker needs. Try a current Chrome, " +
                    "Edge, Firefox or Safari.");
  }
  say("Loading the hand landmarker and the classifier…");
  let response;
  try {
    response = await fetch(CLASSIFIER_FILE);
  } catch (error) {
    throw new Error(`The classifier (models/hand_classifier.json) could not be loaded: ${error.message}. ` +
                    "Check that the page's server still runs (make live, or notebook 09's kernel), then reload " +
                    "the page.");
  }
  if (!response.ok) {
    throw new Error(`The classifier (models/hand_classifier.json) could not be loaded (HTTP ${response.status}). ` +
                    "Run notebook 09, then `make live`.");
  }
  state.exported = await response.json();
  state.base = new HandClassifier(state.exported);
  state.classifier = withCalibration();
  try {
    const vision = await FilesetResolver.forVisionTasks(WASM_FOLDER);
    const options = (numHands, runningMode) => ({
      baseOptions: { modelAssetPath: LANDMARKER_FILE, delegate: "CPU" },
      runningMode, numHands,
      minHandDetectionConfidence: CONFIDENCE, minHandPresenceConfidence: CONFIDENCE, minTrackingConfidence: CONFIDENCE,
    });
    state.landmarker = await HandLandmarker.createFromOptions(vision, options(1, "VIDEO"));
    state.checker = await HandLandmarker.createFromOptions(vision, options(2, "IMAGE"));
  } catch (error) {
    throw new Error(`The hand landmarker (models/hand_landmarker.task and its WebAssembly) could not be loaded: ` +
                    `${error.message ?? error}. Reload the page to try again.`);
  }
}

// ------------------------------------------------------------------ calibration, kept in local storage only
function storedCalibration() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
  } catch {
    return {};
  }
}

function withCalibration() {
  const stored = storedCalibration();
  const hands = [];
  const labels = [];
  for (const [letter, examples] of Object.entries(stored)) {
    const index = state.exported.letters.indexOf(letter);
    if (index < 0) continue;
    for (const hand of examples) { hands.push(hand); labels.push(index); }
  }
  const letters = Object.keys(stored).sort();
  $("calibration-status").textContent = letters.length
    ? `Calibrated letters: ${letters.join(" ")}.` : "No calibration: the classifier as notebook 09 trained it.";
  if (!hands.length) return state.base;
  const { weight, steps, c } = state.exported.calibration;
  return new CalibratedClassifier(state.base, hands, labels, weight, steps, c);
}

function finishRecording() {
  const { letter, hands } = state.recording;
  state.recording = null;
  if (hands.length < 3) {
    $("calibration-status").textContent = `Only ${hands.length} frames with one hand: try ${letter} again.`;
    return;
  }
  const stored = storedCalibration();
  stored[letter] = hands;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  // Fitting the new head takes a moment when many letters are recorded: say so, and let the page paint first.
  $("calibration-status").textContent = `Fitting the calibration to your ${letter}…`;
  requestAnimationFrame(() => setTimeout(() => { state.classifier = withCalibration(); }, 0));
}

// ------------------------------------------------------------------ the camera and the loop
async function start() {
  $("start").disabled = true;
  try {
    if (!state.landmarker) await loadModels();
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error("This browser gives the page no camera: browsers allow it only on https:// pages and on " +
                      "this computer's own address. Open the page at the http://127.0.0.1:… link that make live or " +
                      "notebook 09 gives you.");
    }
    say("Asking for the camera…");
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (error) {
      const reasons = {
        NotAllowedError: "The camera was refused. Allow it for this page (the camera icon in the address bar), " +
                         "then press “Start the camera” again.",
        NotFoundError: "No camera was found. Connect one, then press “Start the camera” again.",
        NotReadableError: "The camera is in use by another program. Close it, then press “Start the camera” again.",
      };
      throw new Error(reasons[error.name] ?? `The camera could not be started: ${error.message}.`);
    }
    const video = $("video");
    video.srcObject = state.stream;
    await video.play();
    state.running = true;
    $("stop").disabled = false;
    $("record").disabled = false;
    say("Show one hand to the camera.");
    window.liveStats.ready = true;
    requestAnimationFrame(loop);
  } catch (error) {
    say(error.message);
    window.liveStats.message = error.message;
    $("start").disabled = false;
  }
}

function stop() {
  state.running = false;
  if (state.recording) { // a recording in progress is dropped, not stored half-done
    state.recording = null;
    $("calibration-status").textContent = "Recording cancelled.";
  }
  state.stream?.getTracks().forEach((track) => track.stop());
  // free the landmarkers' memory (Start loads them again). Closing is also when MediaPipe's library tries to send
  // its usage log to Google: the page's Content-Security-Policy refuses it (tests/live/test_live_page.py shows it).
  for (const landmarker of [state.landmarker, state.checker]) landmarker?.close();
  state.landmarker = null;
  state.checker = null;
  $("stop").disabled = true;
  $("record").disabled = true;
  $("start").disabled = false;
  say("Camera stopped. Press “Start the camera” to go on.");
}

// A second hand: the per-frame landmarker looks for one hand only (twice as fast as two); a second, IMAGE-mode
// landmarker with numHands 2 checks twice a second whether another hand is in the picture.
function findSecondHand(video, now) {
  if (now - state.lastCheck < TWO_HAND_CHECK_MS) return;
  state.lastCheck = now;
  state.twoHands = state.checker.detect(video).landmarks.length > 1;
}

function loop() {
  if (!state.running) return;
  const video = $("video");
  const now = performance.now();
  if (video.readyState >= 2) {
    const t0 = performance.now();
    const result = state.landmarker.detectForVideo(video, now);
    findSecondHand(video, now);
    const t1 = performance.now();
    const hands = result.landmarks;
    let probabilities = null;
    let message = "";
    if (!hands.length) {
      message = "No hand: show one hand, palm towards the camera, the whole hand in the picture.";
    } else if (state.twoHands) {
      message = "Two hands: show one hand at a time.";
    } else {
      const points = toPixels(hands[0], video.videoWidth, video.videoHeight);
      probabilities = state.classifier.predict(points);
      if (state.recording && now - state.recording.last >= CALIBRATION_EVERY_MS) {
        state.recording.hands.push(points);
        state.recording.last = now;
        if (state.recording.hands.length >= CALIBRATION_FRAMES) finishRecording();
      }
    }
    if (state.recording && now - state.recording.started > CALIBRATION_LIMIT_MS) finishRecording();
    const t2 = performance.now();
    show(hands[0], probabilities, message, now);
    record(now, t1 - t0, t2 - t1);
  }
  requestAnimationFrame(loop);
}

function record(now, detectMs, classifyMs) {
  const stats = window.liveStats;
  state.frameTimes.push(now);
  while (state.frameTimes[0] < now - 1000) state.frameTimes.shift();
  stats.frames += 1;
  stats.fps = state.frameTimes.length;
  stats.detectMs = 0.9 * stats.detectMs + 0.1 * detectMs;
  stats.classifyMs = 0.9 * stats.classifyMs + 0.1 * classifyMs;
  if (stats.frames % 10 === 0) {
    $("speed").textContent = `${stats.fps} frames per second · hand landmarks ${stats.detectMs.toFixed(0)} ms, ` +
                             `classifier ${stats.classifyMs.toFixed(1)} ms per frame`;
  }
}

// ------------------------------------------------------------------ what the learner sees
const CONNECTIONS = [[0, 1], [1, 2], [2, 3], [3, 4], [0, 5], [5, 6], [6, 7], [7, 8], [5, 9], [9, 10], [10, 11],
  [11, 12], [9, 13], [13, 14], [14, 15], [15, 16], [13, 17], [17, 18], [18, 19], [19, 20], [0, 17]];

function drawHand(hand) {
  const canvas = $("overlay");
  const video = $("video");
  // resizing a canvas reallocates it: only when the camera's size changes (about 1 frame per second more here)
  if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
  if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!hand) return;
  const xy = hand.map((p) => [p.x * canvas.width, p.y * canvas.height]);
  ctx.strokeStyle = "#00e676";
  ctx.lineWidth = 3;
  for (const [a, b] of CONNECTIONS) {
    ctx.beginPath(); ctx.moveTo(...xy[a]); ctx.lineTo(...xy[b]); ctx.stroke();
  }
  ctx.fillStyle = "#ff1744";
  for (const [x, y] of xy) { ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill(); }
}

function show(hand, probabilities, message, now) {
  drawHand(hand);
  const letters = state.exported.letters;
  const step = state.speller.update(probabilities, letters, now);
  $("hold-bar").style.width = `${Math.round(100 * step.progress)}%`;
  if (step.appended) $("text").textContent = state.speller.text;
  const stats = window.liveStats;
  const letter = probabilities ? topLetters(probabilities, letters, 1)[0][0] : null;
  if (letter !== stats.letter) $("letter").textContent = letter ?? "–"; // changes only: the live region stays calm
  if (message !== stats.message) say(message || "Reading your hand.");
  stats.letter = letter;
  stats.message = message;
  stats.top3 = probabilities ? topLetters(probabilities, letters, 3) : [];
  stats.text = state.speller.text;
  $("top3").replaceChildren(...stats.top3.map(([l, p]) => {
    const item = document.createElement("li");
    item.textContent = `${l} ${(100 * p).toFixed(0)}%`;
    return item;
  }));
}

// ------------------------------------------------------------------ buttons and keys
function edit(action) {
  state.speller[action]();
  $("text").textContent = state.speller.text;
}

function setUp() {
  $("start").addEventListener("click", start);
  $("stop").addEventListener("click", stop);
  $("space").addEventListener("click", () => edit("space"));
  $("backspace").addEventListener("click", () => edit("backspace"));
  $("clear").addEventListener("click", () => edit("clear"));
  document.addEventListener("keydown", (event) => {
    const actions = { " ": "space", Backspace: "backspace", Escape: "clear" };
    if (!actions[event.key]) return;
    if (event.key === " " && event.target.closest("button, select")) return; // Space presses the focused control
    event.preventDefault();
    edit(actions[event.key]);
  });
  const select = $("calibration-letter");
  for (const letter of "ABCDEFGHIKLMNOPQRSTUVWXY") select.append(new Option(letter, letter));
  $("record").addEventListener("click", () => {
    state.recording = { letter: select.value, hands: [], last: -Infinity, started: performance.now() };
    $("calibration-status").textContent = `Recording ${select.value}: hold the sign still, one hand in the picture…`;
  });
  $("reset-calibration").addEventListener("click", () => {
    localStorage.removeItem(STORAGE_KEY);
    if (state.exported) state.classifier = withCalibration();
    else $("calibration-status").textContent = "Calibration reset.";
  });
}

setUp();

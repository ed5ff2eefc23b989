// The speller: a letter held steady is typed once.
//
// Each frame brings the classifier's probabilities (or null: no hand). They are smoothed over frames (an
// exponential moving average, so one odd frame does not flip the answer). When the smoothed top letter stays
// the same, with at least `minProbability`, for `holdMs` milliseconds, it is appended to the text, once. To type
// the same letter twice, change the sign (or take the hand away) in between.

export const HOLD_MS = 800;
export const SMOOTHING = 0.4; // weight of the newest frame in the moving average
export const MIN_PROBABILITY = 0.5;

export class Speller {
  constructor({ holdMs = HOLD_MS, smoothing = SMOOTHING, minProbability = MIN_PROBABILITY } = {}) {
    Object.assign(this, { holdMs, smoothing, minProbability });
    this.text = "";
    this.reset();
  }

  /** Forget the hand (not the text): the next letter starts a new hold. */
  reset() {
    this.smoothed = null;
    this.candidate = null; // the letter being held
    this.since = 0; // when it became the smoothed top letter
    this.typed = null; // the letter typed during this hold, if any
  }

  /**
   * One frame: `probabilities` per letter index (null when no hand), `letters` index → letter, `now` in ms.
   * Returns {letter, probability, progress (0–1 of the hold), appended (the letter typed now, or null)}.
   */
  update(probabilities, letters, now) {
    if (!probabilities) {
      this.reset();
      return { letter: null, probability: 0, progress: 0, appended: null };
    }
    this.smoothed = this.smoothed
      ? this.smoothed.map((s, i) => (1 - this.smoothing) * s + this.smoothing * probabilities[i])
      : probabilities.slice();
    let best = 0;
    this.smoothed.forEach((p, i) => { if (p > this.smoothed[best]) best = i; });
    const letter = letters[best];
    const probability = this.smoothed[best];
    if (letter !== this.candidate || probability < this.minProbability) {
      this.candidate = probability >= this.minProbability ? letter : null;
      this.since = now;
      this.typed = null;
      return { letter, probability, progress: 0, appended: null };
    }
    const progress = Math.min(1, (now - this.since) / this.holdMs);
    let appended = null;
    if (progress >= 1 && this.typed !== letter) {
      this.text += letter;
      this.typed = letter;
      appended = letter;
    }
    return { letter, probability, progress: this.typed ? 1 : progress, appended };
  }

  space() { this.text += " "; this.reset(); }
  backspace() { this.text = this.text.slice(0, -1); this.reset(); }
  clear() { this.text = ""; this.reset(); }
}

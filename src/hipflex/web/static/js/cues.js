// Voice cues (the browser's speech synthesis) and short beeps (Web Audio). Both optional:
// a browser without either still runs the whole session; the screen shows every cue.

export class Cues {
  constructor({ voice, sound }) {
    this.voice = voice;
    this.sound = sound;
    this.audio = null;
    this.synth = "speechSynthesis" in window && window.speechSynthesis ? window.speechSynthesis : null;
  }

  get speechAvailable() {
    return this.synth !== null && typeof window.SpeechSynthesisUtterance === "function";
  }

  // Audio may only start after a user gesture: call this from the Start click.
  unlock() {
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!this.audio && AudioContextClass) {
      try {
        this.audio = new AudioContextClass();
      } catch {
        this.audio = null;
      }
    }
    if (this.audio && this.audio.state === "suspended") this.audio.resume().catch(() => {});
  }

  say(text) {
    if (!this.voice || !this.speechAvailable || !text) return;
    try {
      this.synth.cancel();
      const utterance = new window.SpeechSynthesisUtterance(text);
      utterance.rate = 0.95;
      this.synth.speak(utterance);
    } catch {
      // Speech is a nicety; the text on screen carries the same cue.
    }
  }

  silence() {
    if (this.speechAvailable) {
      try {
        this.synth.cancel();
      } catch {
        /* nothing to stop */
      }
    }
  }

  // kind: "start" (a hold begins), "tick" (last seconds), "end" (a hold is done)
  beep(kind) {
    if (!this.sound || !this.audio) return;
    const tones = {
      start: [[660, 0, 0.18]],
      tick: [[880, 0, 0.07]],
      end: [[784, 0, 0.14], [523, 0.16, 0.22]],
    }[kind];
    if (!tones) return;
    const now = this.audio.currentTime;
    for (const [frequency, offset, duration] of tones) {
      const oscillator = this.audio.createOscillator();
      const gain = this.audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + duration);
      oscillator.connect(gain).connect(this.audio.destination);
      oscillator.start(now + offset);
      oscillator.stop(now + offset + duration + 0.02);
    }
  }
}

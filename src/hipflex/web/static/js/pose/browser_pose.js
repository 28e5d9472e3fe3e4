// In-browser pose: MediaPipe Pose (@mediapipe/pose from npm, pinned by package-lock.json) runs
// in this page on a video or an image and yields 33 landmarks (x, y, z, visibility) per frame.
// Every file comes from hipflex's own origin (/static/vendor/mediapipe-pose/, copied from
// node_modules by `make web-assets`); nothing is fetched from anywhere else, and the frames
// never leave the page.
//
// pose.js is a classic script (it defines window.Pose), so it is added with a <script> tag; its
// locateFile points every further file (WASM runtime, graph, model) at our own route.

export const ASSET_BASE = "/static/vendor/mediapipe-pose/";
export const LANDMARK_COUNT = 33;
const LOAD_TIMEOUT_MS = 60_000;
// The smallest valid WebAssembly module: the magic number and version.
const WASM_HEADER = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

export class PoseUnavailable extends Error {}

function webglRenderer() {
  const canvas = document.createElement("canvas");
  const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
  if (!gl) return null;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  const lose = gl.getExtension("WEBGL_lose_context");
  if (lose) lose.loseContext();
  return String(renderer || "unknown");
}

// What this browser and this server offer. `supported` false comes with a reason a person can
// read; the page then uses the server-side pose path (frames go to hipflex on this computer).
export async function checkSupport(base = ASSET_BASE) {
  const result = { supported: false, reason: null, version: null, renderer: null, softwareGl: false };
  if (typeof WebAssembly !== "object" || !WebAssembly.validate(WASM_HEADER)) {
    result.reason = "this browser cannot run WebAssembly";
    return result;
  }
  result.renderer = webglRenderer();
  if (result.renderer === null) {
    result.reason = "this browser has no WebGL";
    return result;
  }
  result.softwareGl = SOFTWARE_GL.test(result.renderer);
  let manifest = null;
  try {
    const response = await fetch(`${base}manifest.json`, { cache: "no-cache" });
    if (response.ok) manifest = await response.json();
  } catch (error) {
    manifest = null;
  }
  if (!manifest || !manifest.version) {
    result.reason = "the pose model files are not installed with hipflex (npm was missing)";
    return result;
  }
  result.version = manifest.version;
  result.supported = true;
  return result;
}

let scriptLoading = null;

function loadPoseScript(base) {
  if (window.Pose) return Promise.resolve();
  if (!scriptLoading) {
    scriptLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${base}pose.js`;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => {
        scriptLoading = null;
        reject(new PoseUnavailable("the pose script could not be loaded"));
      });
      document.head.appendChild(script);
    });
  }
  return scriptLoading;
}

function withTimeout(promise, ms, message) {
  let timer = null;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new PoseUnavailable(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sourceSize(source) {
  if (source instanceof HTMLVideoElement) return [source.videoWidth, source.videoHeight];
  if (source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight];
  return [source.width, source.height];
}

// One pose model in this page. `staticImages` treats every input as a new photo (no tracking,
// no smoothing), as the Python adapter does for photos; otherwise it tracks the person across
// video frames. `cpuInference` "auto" runs the network on the CPU (WASM SIMD) when WebGL is a
// software renderer (headless, some VMs), where GPU inference is ten times slower.
export class BrowserPose {
  static async load({ base = ASSET_BASE, staticImages = false, cpuInference = "auto", support = null } = {}) {
    const checked = support || (await checkSupport(base));
    if (!checked.supported) throw new PoseUnavailable(checked.reason);
    await withTimeout(loadPoseScript(base), LOAD_TIMEOUT_MS, "the pose script took too long to load");
    if (typeof window.Pose !== "function") throw new PoseUnavailable("the pose script did not start");
    const useCpu = cpuInference === "auto" ? checked.softwareGl : Boolean(cpuInference);
    const pose = new BrowserPose(base, staticImages, useCpu, checked);
    await withTimeout(pose.model.initialize(), LOAD_TIMEOUT_MS, "the pose model took too long to start");
    return pose;
  }

  constructor(base, staticImages, useCpu, support) {
    this.staticImages = staticImages;
    this.cpuInference = useCpu;
    this.support = support;
    this.latest = null;
    this.model = new window.Pose({ locateFile: (file) => `${base}${file}` });
    this.model.setOptions({
      modelComplexity: 1, // pose_landmark_full.tflite, the model the Python wheel runs
      smoothLandmarks: !staticImages,
      enableSegmentation: false,
      minDetectionConfidence: 0.5,
      minTrackingConfidence: 0.5,
      selfieMode: false,
      useCpuInference: useCpu,
    });
    this.model.onResults((results) => {
      this.latest = results.poseLandmarks
        ? { landmarks: results.poseLandmarks, world: results.poseWorldLandmarks || null }
        : null;
    });
  }

  // The pose in `source` (a video, image or canvas): landmarks normalised to its size, or
  // null landmarks when nobody is seen. `timestampMs` is the frame's capture time on the
  // page's clock (performance.now()).
  async estimate(source, timestampMs = performance.now()) {
    const [widthPx, heightPx] = sourceSize(source);
    if (!widthPx || !heightPx) return null;
    if (this.staticImages) this.model.reset();
    this.latest = null;
    const started = performance.now();
    await this.model.send({ image: source });
    const inferenceMs = performance.now() - started;
    const found = this.latest;
    const landmarks =
      found && found.landmarks.length === LANDMARK_COUNT
        ? found.landmarks.map((point) => [point.x, point.y, point.z, point.visibility ?? 0])
        : null;
    // Metric landmarks (metres, hips at the origin): the server's depth figures read them.
    const worldLandmarks =
      landmarks && found.world && found.world.length === LANDMARK_COUNT
        ? found.world.map((point) => [point.x, point.y, point.z])
        : null;
    return { timestampMs, widthPx, heightPx, landmarks, worldLandmarks, inferenceMs };
  }

  reset() {
    this.model.reset();
  }

  async close() {
    await this.model.close();
  }
}

// The WebSocket message for one result (see hipflex/web/landmark_message.py): landmarks only,
// never a verdict about form (the server decides that).
// Numbers are rounded to 1e-5 of the frame (0.01 px at 640 px) and 0.1 mm: the model is not
// that exact, and full float precision doubles the bytes sent at 30 messages a second.
const round = (digits) => (value) => Number(value.toFixed(digits));
const frameUnits = round(5);
const metres = round(4);

export function landmarkMessage(result) {
  return {
    type: "landmarks",
    timestamp_ms: Number(result.timestampMs.toFixed(3)),
    width_px: result.widthPx,
    height_px: result.heightPx,
    landmarks: result.landmarks && result.landmarks.map((row) => row.map(frameUnits)),
    world_landmarks: result.worldLandmarks ? result.worldLandmarks.map((row) => row.map(metres)) : null,
  };
}

const STATS_WINDOW = 300;
// A capture time further than this from the page's clock is not believed.
const CAPTURE_DRIFT_MS = 1000;

// Runs the pose on every new frame of a playing video, one at a time: while the model is busy
// only the newest frame waits (older ones are skipped), so results never queue up.
// requestVideoFrameCallback paces it at the camera's rate; requestAnimationFrame where absent.
export class VideoPoseLoop {
  constructor(video, pose, onResult) {
    this.video = video;
    this.pose = pose;
    this.onResult = onResult;
    this.running = false;
    this.busy = false;
    this.lastMediaTime = -1;
    this.waitingMs = null;
    this.lastPresented = null;
    this.lastCapturedMs = 0;
    this.stats = { offered: 0, frames: 0, failures: 0, startedMs: 0, inferenceMs: [] };
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.stats.startedMs = performance.now();
    this.schedule();
  }

  stop() {
    this.running = false;
  }

  schedule() {
    if (!this.running) return;
    if (typeof this.video.requestVideoFrameCallback === "function") {
      this.video.requestVideoFrameCallback((now, metadata) => this.frame(now, metadata));
    } else {
      requestAnimationFrame((now) => this.frame(now, null));
    }
  }

  frame(now, metadata) {
    if (!this.running) return;
    // presentedFrames counts every frame the video showed, also those that came and went
    // while the model held the page's thread.
    if (metadata && typeof metadata.presentedFrames === "number") {
      if (this.lastPresented !== null) {
        this.stats.offered += Math.max(0, metadata.presentedFrames - this.lastPresented);
      }
      this.lastPresented = metadata.presentedFrames;
    }
    const mediaTime = metadata ? metadata.mediaTime : this.video.currentTime;
    if (mediaTime !== this.lastMediaTime && this.video.readyState >= 2) {
      this.lastMediaTime = mediaTime;
      // captureTime is when the camera took the frame (same clock as performance.now()). A
      // camera whose stamps drift from the page's clock (Chromium's fake camera under load
      // stamps frames at its nominal rate) would be refused by the server as late: then the
      // callback's own time is used. Times only ever increase (the server refuses repeats).
      const stamped = metadata && metadata.captureTime ? metadata.captureTime : now;
      const capturedMs = Math.max(
        Math.abs(now - stamped) < CAPTURE_DRIFT_MS ? stamped : now,
        this.lastCapturedMs + 0.001,
      );
      this.lastCapturedMs = capturedMs;
      if (this.busy) {
        this.waitingMs = capturedMs; // the newest frame waits for the model; older ones are skipped
      } else {
        this.process(capturedMs);
      }
    }
    this.schedule();
  }

  process(capturedMs) {
    this.busy = true;
    this.pose
      .estimate(this.video, capturedMs)
      .then((result) => {
        if (!result) return;
        this.stats.frames += 1;
        const times = this.stats.inferenceMs;
        times.push(result.inferenceMs);
        if (times.length > STATS_WINDOW) times.shift();
        if (this.running) this.onResult(result);
      })
      .catch(() => {
        this.stats.failures += 1;
      })
      .finally(() => {
        this.busy = false;
        // The video element shows the newest frame: run on it at once rather than wait for
        // the next one, so a slow model still keeps up as well as it can.
        const waiting = this.waitingMs;
        this.waitingMs = null;
        if (waiting !== null && this.running) this.process(waiting);
      });
  }

  // Frames the camera offered and the model processed per second since start, and the
  // model's time per frame (p50, p95, ms; the last STATS_WINDOW frames).
  summary() {
    const elapsedS = (performance.now() - this.stats.startedMs) / 1000;
    const sorted = [...this.stats.inferenceMs].sort((a, b) => a - b);
    const pick = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
    return {
      offered: this.stats.offered,
      frames: this.stats.frames,
      skipped: Math.max(0, this.stats.offered - this.stats.frames),
      failures: this.stats.failures,
      offeredPerS: elapsedS > 0 ? this.stats.offered / elapsedS : 0,
      framesPerS: elapsedS > 0 ? this.stats.frames / elapsedS : 0,
      inferenceP50Ms: pick(0.5),
      inferenceP95Ms: pick(0.95),
    };
  }
}

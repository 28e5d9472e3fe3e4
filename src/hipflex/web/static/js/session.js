// The session player: start, follow the engine's state from the server, coach with voice and
// beeps, optionally watch form with the camera, and check in (pain, note) at the end.
//
// With the camera, the pose runs in this page when it can (MediaPipe Pose from our own origin):
// only landmarks go to the server, frames never leave the device. When WebAssembly, WebGL or the
// model files are missing, the page falls back to sending JPEG frames to hipflex, and says so.
// `?pose=server` forces the fallback (benchmarks).
//
// The same page runs on the clinic's origin (the patient's player): its addresses come from
// the data attributes (data-socket-url, data-checkin-url), and with data-server-pose="off" no
// frame is ever sent: when the model cannot run here, holds count on the timer instead.

import { Camera } from "./camera.js";
import { Cues } from "./cues.js";
import { BrowserPose, VideoPoseLoop, checkSupport, landmarkMessage } from "./pose/browser_pose.js";
import { LiveSocket } from "./socket.js";
import { ScreenWakeLock } from "./wake_lock.js";

const $ = (id) => document.getElementById(id);
const app = $("session-app");
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const params = new URLSearchParams(location.search);
const cameraFps = Number(params.get("fps")) || 15;

const PHASES = {
  get_ready: "Get ready",
  hold: "Hold",
  rest: "Rest",
  switch_side: "Switch sides",
  done: "Done",
};

const cues = new Cues({ voice: app.dataset.voice === "on", sound: app.dataset.sound === "on" });
const camera = new Camera($("camera-video"), $("camera-overlay"));
const socket = new LiveSocket(onMessage, onClose, app.dataset.socketUrl || "/ws/session");
const serverPose = app.dataset.serverPose !== "off";
const ringLength = 2 * Math.PI * 88;
const shown = {}; // last text put in each element, so unchanged text is not rewritten

let sessionId = null;
let running = false;
let finished = false;
let cameraOn = false;
let startOptions = null;
let posePath = { path: "server", reason: null, model: null, version: null };
let poseLoop = null;
let lastTone = "idle";
const wakeLock = new ScreenWakeLock(app);
// The in-browser path's own figures: landmark messages sent, verdicts back, capture → verdict.
const browserStats = { sent: 0, bytes: 0, verdicts: 0, refused: 0, reasons: {}, latencies: [] };
window.hipflexBrowserPoseStats = browserStats;

window.hipflexSession = { get running() { return running; }, get finished() { return finished; } };

function setText(id, text) {
  if (shown[id] === text) return;
  shown[id] = text;
  $(id).textContent = text;
}

function announce(text) {
  // Re-setting the same text would not be announced again; clear it first.
  const announcer = $("announcer");
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 30);
}

function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = !text;
}

function show(section) {
  for (const id of ["setup", "player", "after", "busy", "ended"]) $(id).hidden = id !== section;
}

const ENDED_ELSEWHERE = {
  taken_over: "This session goes on in another tab or window. What you did here is saved.",
  shutdown: "hipflex was stopped. Completed holds are saved; the session was kept as partial.",
  signed_out: "You were signed out: the session was saved as partial. Sign in again to go on.",
  other: "This session was ended. Completed holds are saved; the session was kept as partial.",
};

// The session was ended by something else than this page (another tab took it over, the
// server stopped, the clinic's login was revoked): say so, and do not ask for a check-in
// that belongs to the other tab.
function endedElsewhere(reason, text) {
  if (!$("ended").hidden) return;
  finished = true;
  running = false;
  stopCamera();
  wakeLock.release();
  $("ended-message").textContent = text || ENDED_ELSEWHERE[reason] || ENDED_ELSEWHERE.other;
  announce($("ended-message").textContent);
  show("ended");
  socket.close();
}

// -- setup ---------------------------------------------------------------------------------

if (!cues.speechAvailable) {
  const voice = $("voice-toggle");
  voice.checked = false;
  voice.disabled = true;
  voice.parentElement.append(" (not available in this browser; cues are shown on screen)");
}

// The clinic's player has no chooser: the prescription decides the stretch.
$("protocol-select")?.addEventListener("change", (event) => {
  location.search = `?protocol=${encodeURIComponent(event.target.value)}`;
});

$("setup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("start-button").disabled = true;
  const form = new FormData(event.target);
  const pain = form.get("pain_before");
  cues.voice = $("voice-toggle").checked;
  cues.sound = $("sound-toggle").checked;
  cues.unlock();
  updateCueButtons();
  notice("");
  let useCamera = false;
  if ($("camera-toggle").checked) {
    try {
      await camera.start(Number(app.dataset.cameraIndex) || 0);
      useCamera = true;
    } catch (error) {
      notice(`Camera not available: ${error.message}. Continuing in timer mode: hold time counts with the timer.`);
    }
  }
  if (useCamera) {
    notice("Loading the pose model…");
    posePath = await choosePosePath();
    notice("");
    if (posePath.path === "server" && !serverPose) {
      // Frames never leave this device here: without the model, the timer counts.
      stopCamera();
      useCamera = false;
      app.dataset.posePath = "none";
      notice(`The form check cannot run on this device (${posePath.reason}). Continuing in timer mode: hold time counts with the timer.`);
    }
  }
  startOptions = {
    type: "start",
    protocol: form.get("protocol") || app.dataset.protocol,
    camera: useCamera,
    pose: useCamera ? posePath.path : "server",
    pain_before: pain === null ? null : Number(pain),
  };
  try {
    await socket.connect();
  } catch {
    notice("Could not reach hipflex. Is it still running?");
    $("start-button").disabled = false;
    stopCamera();
    return;
  }
  socket.send(startOptions);
});

// The in-browser model if this browser and this server can run it, else the server path with
// the reason.
async function choosePosePath() {
  if (params.get("pose") === "server") return { path: "server", reason: "chosen in the address", model: null };
  const support = await checkSupport();
  if (!support.supported) return { path: "server", reason: support.reason, model: null };
  try {
    const model = await BrowserPose.load({ support });
    return { path: "browser", reason: null, model, version: support.version };
  } catch (error) {
    return { path: "server", reason: error.message, model: null };
  }
}

function showPosePath(path) {
  app.dataset.posePath = path;
  const text =
    path === "browser"
      ? "Pose runs on this device: camera frames never leave it."
      : `Pose runs in hipflex on your computer (${posePath.reason || "the in-browser model is not available"}): ` +
        "camera frames are sent to it and never stored.";
  setText("pose-path", text);
}

function startBrowserPose() {
  poseLoop = new VideoPoseLoop(camera.video, posePath.model, (result) => {
    const message = JSON.stringify(landmarkMessage(result));
    if (!socket.sendText(message)) return;
    browserStats.sent += 1;
    browserStats.bytes += message.length;
    camera.draw(result.landmarks && result.landmarks.map(([x, y, , v]) => [x, y, v]), lastTone);
  });
  window.hipflexPoseStats = () => poseLoop.summary();
  poseLoop.start();
  setText("form-status", "Camera ready: get into position, side-on to the camera");
}

function stopCamera() {
  if (poseLoop) poseLoop.stop();
  camera.stop();
}

$("take-over-button").addEventListener("click", () => {
  socket.send({ ...startOptions, take_over: true });
});

// -- messages from the server --------------------------------------------------------------

function onMessage(message) {
  switch (message.type) {
    case "started":
      sessionId = message.session_id;
      running = true;
      cameraOn = message.camera;
      show("player");
      wakeLock.keepOn();
      $("camera-box").hidden = !cameraOn;
      if (cameraOn) {
        $("figure-box").classList.add("compact");
        camera.onLost = () => cameraLost("the camera stopped");
        showPosePath(message.pose);
        if (message.pose === "browser") startBrowserPose();
        else camera.startSending((seq, buffer) => socket.sendFrame(seq, buffer), cameraFps);
      }
      // The long reason was shown on the set-up screen; the running player keeps one line.
      if (app.dataset.posePath === "none") notice("Timer mode: no form check on this device.");
      // Start was at the foot of the set-up form: the player begins at the top of the screen.
      window.scrollTo(0, 0);
      $("pause-button").focus({ preventScroll: true });
      break;
    case "state":
      render(message);
      break;
    case "event":
      onEvent(message);
      break;
    case "pose":
      onPose(message);
      break;
    case "dropped":
      camera.dropped(message.seq);
      break;
    case "camera":
      if (!message.enabled) notice("Camera off: continuing in timer mode.");
      break;
    case "camera_ready":
      setText("form-status", "Camera ready: get into position, side-on to the camera");
      break;
    case "busy":
      show("busy");
      $("busy-message").textContent = message.message;
      $("take-over-button").focus();
      break;
    case "refused":
      browserStats.refused += message.count;
      browserStats.reasons[message.reason] = (browserStats.reasons[message.reason] || 0) + message.count;
      console.warn("hipflex refused landmarks:", message.reason);
      break;
    case "ended":
      endedElsewhere(message.reason);
      break;
    case "error":
      // fatal: the session cannot go on (a full disk); the message says what was kept.
      if (message.fatal) endedElsewhere("error", message.message);
      else if (!running) notice(message.message);
      console.warn("hipflex:", message.message);
      break;
    default:
      break;
  }
}

function onClose() {
  stopCamera();
  wakeLock.release();
  if (running && !finished) {
    running = false;
    notice("The connection to hipflex was lost. Completed holds are saved; the session was kept as partial.");
    $("pause-button").disabled = true;
    $("skip-button").disabled = true;
    $("quit-button").disabled = true;
  }
}

function onEvent(event) {
  switch (event.event) {
    case "phase_started":
      announce(`${PHASES[event.phase]}, ${event.side} side. ${event.instruction}`);
      if (event.phase === "hold") cues.beep("start");
      break;
    case "second_ticked":
      if (event.phase === "hold" && event.remaining_s >= 1 && event.remaining_s <= 3) cues.beep("tick");
      break;
    case "hold_completed":
      if (event.outcome !== "skipped") cues.beep("end");
      break;
    case "cue":
      cues.say(event.text);
      if (event.kind === "form") setText("form-status", event.text);
      break;
    case "paused":
      announce("Paused");
      break;
    case "resumed":
      announce("Resumed");
      break;
    case "session_finished":
      finish(event);
      break;
    default:
      break;
  }
}

function render(state) {
  const phase = PHASES[state.phase] || state.phase;
  setText("phase-label", state.phase === "done" ? phase : `${phase} · ${state.side} side`);
  const remaining = Math.max(0, Math.ceil(state.remaining_s - 1e-6));
  setText("countdown", state.phase === "done" ? "✓" : String(remaining));
  let fraction = 0;
  if (state.phase === "hold") fraction = state.counted_s / Math.max(state.target_s, 1);
  else if (state.phase_duration_s > 0) fraction = 1 - state.remaining_s / state.phase_duration_s;
  $("ring-progress").style.strokeDashoffset = String(ringLength * (1 - Math.min(1, fraction)));
  app.dataset.phase = state.phase;
  app.dataset.paused = state.paused ? "yes" : "no";
  app.dataset.formOk = state.form_ok === null ? "n/a" : state.form_ok ? "yes" : "no";
  $("paused-flag").hidden = !state.paused;
  setText("pause-button-label", state.paused ? "Resume" : "Pause");
  setText("instruction", state.instruction);
  setText("next-up", state.next_up);
  for (const row of document.querySelectorAll(".reps-side")) {
    const done = state.reps_done[row.dataset.side] || 0;
    row.querySelector(".reps-done").textContent = String(done);
    row.querySelectorAll(".dot").forEach((dot, index) => dot.classList.toggle("filled", index < done));
    row.classList.toggle("current", row.dataset.side === state.side && state.phase !== "done");
  }
  const figure = document.querySelector("#figure-box .figure");
  if (figure) figure.classList.toggle("mirrored", state.side === "left");
  setText("figure-side", state.side.charAt(0).toUpperCase() + state.side.slice(1));
  const steps = state.steps.join("\n");
  if (shown.steps !== steps) {
    shown.steps = steps;
    $("steps-list").replaceChildren(
      ...state.steps.map((text) => {
        const item = document.createElement("li");
        item.textContent = text;
        return item;
      }),
    );
  }
}

function onPose(message) {
  lastTone = message.good ? "good" : message.in_position ? "fault" : "idle";
  if (message.source === "browser") {
    // The page drew the skeleton itself; this is the server's verdict on it.
    browserStats.verdicts += 1;
    browserStats.latencies.push(performance.now() - message.timestamp_ms);
    if (browserStats.latencies.length > 20000) browserStats.latencies.splice(0, 10000);
  } else {
    camera.onPose(message);
  }
  const box = $("form-state");
  box.dataset.status = message.status;
  let text = message.status === "good" ? "good form: counting" : message.message;
  if (message.position_reason && message.in_position) text = `${text} (unsure: ${message.position_reason})`;
  setText("form-status", text.charAt(0).toUpperCase() + text.slice(1));
  setText("hip-angle", message.hip_extension_deg === null ? "–" : `${Math.round(message.hip_extension_deg)}°`);
  setText("trunk-angle", message.trunk_forward_deg === null ? "–" : trunkText(message.trunk_forward_deg));
}

function trunkText(degrees) {
  const rounded = Math.round(Math.abs(degrees));
  if (rounded === 0) return "upright";
  return degrees > 0 ? `${rounded}° forward` : `${rounded}° back`;
}

function cameraLost(reason) {
  if (!cameraOn) return;
  cameraOn = false;
  stopCamera();
  socket.send({ type: "camera", enabled: false });
  notice(`Camera off (${reason}): continuing in timer mode.`);
  $("camera-box").hidden = true;
  $("figure-box").classList.remove("compact");
}

function finish(event) {
  if (event.ended_by) {
    endedElsewhere(event.ended_by);
    return;
  }
  finished = true;
  running = false;
  stopCamera();
  wakeLock.release();
  const sides = Object.entries(event.counted_s_by_side)
    .map(([side, seconds]) => `${side} ${Math.round(seconds)} s`)
    .join(", ");
  const complete = event.status === "completed";
  $("after-title").textContent = complete ? "Well done" : "Session saved";
  $("summary").textContent =
    `${event.holds_done} of ${event.holds_planned} holds` +
    (sides ? ` (${sides})` : "") +
    (complete ? ". Session complete." : ". Saved as partial.");
  announce($("summary").textContent);
  show("after");
  $("after-title").focus();
  socket.close();
}

// -- controls ------------------------------------------------------------------------------

function command(type) {
  if (running) socket.send({ type });
}

function updateCueButtons() {
  const voice = $("voice-button");
  voice.setAttribute("aria-pressed", String(cues.voice));
  voice.textContent = cues.voice ? "Voice on" : "Voice off";
  voice.disabled = !cues.speechAvailable;
  const sound = $("sound-button");
  sound.setAttribute("aria-pressed", String(cues.sound));
  sound.textContent = cues.sound ? "Beeps on" : "Beeps off";
}

$("pause-button").addEventListener("click", () => command("toggle_pause"));
$("skip-button").addEventListener("click", () => command("skip"));
$("quit-button").addEventListener("click", () => command("quit"));
$("voice-button").addEventListener("click", () => {
  cues.voice = !cues.voice;
  if (!cues.voice) cues.silence();
  updateCueButtons();
});
$("sound-button").addEventListener("click", () => {
  cues.sound = !cues.sound;
  cues.unlock();
  updateCueButtons();
});

document.addEventListener("keydown", (event) => {
  if (!running || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  const typing = target instanceof HTMLElement && target.closest("input, textarea, select");
  if (typing) return;
  if (event.key === " " || event.code === "Space") {
    // A focused button already answers Space with a click; do not toggle twice.
    if (target instanceof HTMLElement && target.closest("button, a, summary")) return;
    event.preventDefault();
    command("toggle_pause");
  } else if (event.key === "n" || event.key === "N") {
    command("skip");
  } else if (event.key === "q" || event.key === "Q") {
    command("quit");
  }
});

// -- after the session ---------------------------------------------------------------------

$("after-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!sessionId) return;
  const form = new FormData(event.target);
  const pain = form.get("pain_after");
  const body = { pain_after: pain === null ? null : Number(pain), note: form.get("note") || null };
  $("save-button").disabled = true;
  try {
    const url = (app.dataset.checkinUrl || "/api/sessions/{id}/checkin").replace("{id}", encodeURIComponent(sessionId));
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`status ${response.status}`);
    $("saved-message").textContent = "Saved. See you tomorrow.";
  } catch (error) {
    $("saved-message").textContent = `Could not save (${error.message}). Try again.`;
    $("save-button").disabled = false;
  }
});

updateCueButtons();

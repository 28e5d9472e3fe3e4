// The Camera check page: can this browser run the pose model itself (frames stay on the device),
// or will sessions fall back to sending frames to hipflex? Shows the skeleton and the speed.

import { BrowserPose, VideoPoseLoop, checkSupport } from "./browser_pose.js";
import { drawSkeleton } from "./skeleton.js";

const app = document.getElementById("camera-check");
const mode = document.getElementById("pose-mode");
const startButton = document.getElementById("camera-check-start");
const box = document.getElementById("camera-check-box");
const video = document.getElementById("camera-check-video");
const overlay = document.getElementById("camera-check-overlay");
const speed = document.getElementById("pose-speed");
const seen = document.getElementById("pose-seen");

let loop = null;

function say(text, state) {
  mode.textContent = text;
  app.dataset.mode = state;
}

async function start() {
  startButton.disabled = true;
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
      audio: false,
    });
  } catch (error) {
    const reason = error && error.name === "NotAllowedError" ? "camera permission was refused" : "no camera could be started";
    say(`The camera could not be used: ${reason}.`, "no-camera");
    startButton.disabled = false;
    return;
  }
  video.srcObject = stream;
  await video.play().catch(() => {});
  box.hidden = false;
  startButton.textContent = "Camera on";
  app.dataset.state = "loading";
  let pose = null;
  try {
    pose = await BrowserPose.load();
  } catch (error) {
    say(`The pose model did not start here (${error.message}). Sessions will send camera frames to hipflex on this computer instead.`, "server");
    app.dataset.state = "failed";
    return;
  }
  loop = new VideoPoseLoop(video, pose, (result) => {
    drawSkeleton(overlay, result.widthPx, result.heightPx, result.landmarks);
    seen.textContent = result.landmarks ? "a person" : "nobody";
    app.dataset.seen = result.landmarks ? "yes" : "no";
  });
  window.hipflexPoseStats = () => loop.summary();
  loop.start();
  app.dataset.state = "running";
  window.setInterval(() => {
    const summary = loop.summary();
    if (!summary.frames) return;
    speed.textContent = `${summary.framesPerS.toFixed(1)} frames a second, ${Math.round(summary.inferenceP50Ms)} ms each`;
  }, 1000);
}

async function main() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("This browser gives no access to a camera here (phones need hipflex over HTTPS).", "no-camera");
    startButton.disabled = true;
    return;
  }
  const support = await checkSupport();
  if (support.supported) {
    say(`Pose runs in this browser (MediaPipe Pose ${support.version}): camera frames never leave this device.`, "browser");
  } else {
    say(`This browser cannot run the pose model here: ${support.reason}. Sessions will send camera frames to hipflex on this computer instead; they are never stored.`, "server");
  }
  startButton.disabled = false;
  startButton.addEventListener("click", start);
}

main();

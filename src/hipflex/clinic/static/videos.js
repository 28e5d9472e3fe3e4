// Patients' videos: keeps the list (and a video's page) up to date while an analysis runs.
// Polls the server's small status JSON every few seconds (a video's own page every second
// while its analysis runs: the worker writes its progress about once a second), for at most
// FOLLOW_LIMIT_MS, and re-fetches the list (or reloads the video's page) when a state changes.
const POLL_MS = 2000;
const ANALYSING_POLL_MS = 1000;
const POLL_LIMIT = 900; // 30 minutes of the list's polls
const FOLLOW_LIMIT_MS = 30 * 60 * 1000;

async function fetchText(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

function pendingIn(box) {
  const list = box.querySelector("[data-pending]");
  return list ? Number(list.dataset.pending) : 0;
}

async function keepListFresh(box) {
  const listUrl = box.dataset.videoList;
  const statusUrl = box.dataset.videoStatus;
  if (!box.querySelector(".video-list")) {
    box.innerHTML = await fetchText(listUrl);
  }
  let seen = "";
  for (let round = 0; round < POLL_LIMIT && pendingIn(box) > 0; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const states = await fetchText(statusUrl);
    if (states !== seen) {
      seen = states;
      box.innerHTML = await fetchText(listUrl);
    }
  }
}

const stillMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

function glide(bar, to) {
  // The bar moves to each new figure over the time to the next poll, not in one jump.
  const from = bar.hasAttribute("value") ? bar.value : 0;
  bar.dataset.target = String(to);
  if (stillMotion.matches || to <= from) {
    bar.value = to;
    return;
  }
  const start = performance.now();
  const step = (now) => {
    if (bar.dataset.target !== String(to)) return; // a newer figure took over
    const t = Math.min(1, (now - start) / ANALYSING_POLL_MS);
    bar.value = from + (to - from) * t;
    if (t < 1) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

// A screen reader hears the state and every quarter, not the figure that changes each second.
const ANNOUNCE_STEP_PCT = 25;

function announce(panel, state) {
  const region = panel.querySelector("[data-video-announce]");
  if (!region) return;
  const step = Math.floor(state.progress_pct / ANNOUNCE_STEP_PCT) * ANNOUNCE_STEP_PCT;
  let said = "Waiting for analysis…";
  if (state.status === "analysing") said = step > 0 ? `Analysing… ${step}%` : "Analysing…";
  if (region.textContent !== said) region.textContent = said;
}

function showProgress(panel, progress, state) {
  // 0 % while analysing: the model is starting; the bar moves without a figure until then.
  const analysing = state.status === "analysing";
  const starting = analysing && state.progress_pct === 0;
  progress.firstChild.textContent = !analysing
    ? "Waiting for analysis… "
    : starting ? "Analysing… starting " : `Analysing… ${state.progress_pct}% `;
  announce(panel, state);
  const bar = progress.querySelector("progress");
  if (!bar) return;
  if (starting) bar.removeAttribute("value");
  else glide(bar, analysing ? state.progress_pct : 0);
}

async function followOne(panel) {
  if (panel.dataset.videoFinal === "true") return;
  const progress = panel.querySelector("[data-video-progress]");
  const until = Date.now() + FOLLOW_LIMIT_MS;
  let wait = POLL_MS;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const state = JSON.parse(await fetchText(panel.dataset.videoPoll));
    if (state.status === "done" || state.status === "failed") {
      window.location.reload();
      return;
    }
    if (progress) showProgress(panel, progress, state);
    wait = state.status === "analysing" ? ANALYSING_POLL_MS : POLL_MS;
  }
}

for (const box of document.querySelectorAll("[data-video-list]")) {
  keepListFresh(box).catch((error) => console.warn("videos:", error));
}
for (const panel of document.querySelectorAll("[data-video-poll]")) {
  followOne(panel).catch((error) => console.warn("videos:", error));
}

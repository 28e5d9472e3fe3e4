// Patients' videos: keeps the list (and a video's page) up to date while an analysis runs.
// Polls the server's small status JSON every few seconds, never more than POLL_LIMIT times,
// and re-fetches the list (or reloads the video's page) when a state changes.
const POLL_MS = 2000;
const POLL_LIMIT = 900; // 30 minutes

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

async function followOne(panel) {
  if (panel.dataset.videoFinal === "true") return;
  const progress = panel.querySelector("[data-video-progress]");
  for (let round = 0; round < POLL_LIMIT; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const state = JSON.parse(await fetchText(panel.dataset.videoPoll));
    if (state.status === "done" || state.status === "failed") {
      window.location.reload();
      return;
    }
    if (progress) {
      const label = state.status === "analysing" ? `Analysing… ${state.progress_pct}% ` : "Waiting for analysis… ";
      progress.firstChild.textContent = label;
      const bar = progress.querySelector("progress");
      if (bar) bar.value = state.progress_pct;
    }
  }
}

for (const box of document.querySelectorAll("[data-video-list]")) {
  keepListFresh(box).catch((error) => console.warn("videos:", error));
}
for (const panel of document.querySelectorAll("[data-video-poll]")) {
  followOne(panel).catch((error) => console.warn("videos:", error));
}

// Camera mode: the page's own camera → downscaled JPEG frames over the live socket → the
// server's form check → a skeleton drawn over the video. At most one frame is in flight, so
// what is drawn is never more than one frame behind; frames are never stored anywhere.

const EDGES = [
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
];
const MAX_IN_FLIGHT = 1;
const SEND_WIDTH_PX = 480;
const JPEG_QUALITY = 0.7;

export class CameraUnavailable extends Error {}

export class Camera {
  constructor(video, overlay) {
    this.video = video;
    this.overlay = overlay;
    this.stream = null;
    this.timer = null;
    this.seq = 0;
    this.inFlight = new Map(); // seq -> time the frame left (performance.now())
    this.encoder = document.createElement("canvas");
    this.onLost = () => {};
    this.stats = { sent: 0, skipped: 0, dropped: 0, drawn: 0, latencies: [] };
    window.hipflexCameraStats = this.stats;
  }

  async start(deviceIndex = 0) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new CameraUnavailable("this browser gives no access to a camera");
    }
    const wanted = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: wanted, audio: false });
      if (deviceIndex > 0) await this.switchTo(deviceIndex, wanted);
    } catch (error) {
      const reason =
        error && error.name === "NotAllowedError"
          ? "camera permission was refused"
          : error && error.name === "NotFoundError"
            ? "no camera was found"
            : "the camera could not be started";
      throw new CameraUnavailable(reason);
    }
    for (const track of this.stream.getVideoTracks()) {
      track.addEventListener("ended", () => this.onLost());
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
  }

  async switchTo(deviceIndex, wanted) {
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter(
      (device) => device.kind === "videoinput",
    );
    const device = devices[deviceIndex];
    if (!device || !device.deviceId) return;
    const current = this.stream.getVideoTracks()[0];
    if (current && current.getSettings().deviceId === device.deviceId) return;
    this.stream.getTracks().forEach((track) => track.stop());
    this.stream = await navigator.mediaDevices.getUserMedia({
      video: { ...wanted, deviceId: { exact: device.deviceId } },
      audio: false,
    });
  }

  // Capture at `fps`, sending each frame through `send(seq, arrayBuffer)`.
  startSending(send, fps) {
    const interval = 1000 / Math.max(1, Math.min(30, fps));
    this.timer = window.setInterval(() => this.capture(send), interval);
  }

  capture(send) {
    const video = this.video;
    if (!video.videoWidth || video.readyState < 2) return;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.stats.skipped += 1;
      return;
    }
    const scale = Math.min(1, SEND_WIDTH_PX / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (this.encoder.width !== width) this.encoder.width = width;
    if (this.encoder.height !== height) this.encoder.height = height;
    const context = this.encoder.getContext("2d");
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const leftAt = performance.now();
    this.inFlight.set(seq, leftAt);
    context.drawImage(video, 0, 0, width, height);
    this.encoder.toBlob(
      (blob) => {
        if (!blob) {
          this.inFlight.delete(seq);
          return;
        }
        blob.arrayBuffer().then((buffer) => {
          if (send(seq, buffer)) {
            this.stats.sent += 1;
          } else {
            this.inFlight.delete(seq);
          }
        });
      },
      "image/jpeg",
      JPEG_QUALITY,
    );
  }

  dropped(seq) {
    if (this.inFlight.delete(seq)) this.stats.dropped += 1;
  }

  // A processed frame came back: draw its skeleton, then measure frame-left → drawn.
  onPose(message) {
    const leftAt = this.inFlight.get(message.seq);
    for (const seq of this.inFlight.keys()) {
      if (seq <= message.seq) this.inFlight.delete(seq);
    }
    this.draw(message.landmarks, message.good ? "good" : message.in_position ? "fault" : "idle");
    if (leftAt !== undefined) {
      this.stats.drawn += 1;
      this.stats.latencies.push(performance.now() - leftAt);
      if (this.stats.latencies.length > 20000) this.stats.latencies.splice(0, 10000);
    }
  }

  // The video's visible picture inside its box (object-fit: contain).
  contentRect() {
    const box = this.video.getBoundingClientRect();
    const videoRatio = this.video.videoWidth / this.video.videoHeight || 4 / 3;
    const boxRatio = box.width / box.height || videoRatio;
    if (videoRatio > boxRatio) {
      const height = box.width / videoRatio;
      return { x: 0, y: (box.height - height) / 2, width: box.width, height, box };
    }
    const width = box.height * videoRatio;
    return { x: (box.width - width) / 2, y: 0, width, height: box.height, box };
  }

  draw(landmarks, tone) {
    const rect = this.contentRect();
    const ratio = window.devicePixelRatio || 1;
    const canvas = this.overlay;
    const pixelWidth = Math.round(rect.box.width * ratio);
    const pixelHeight = Math.round(rect.box.height * ratio);
    if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
    if (canvas.height !== pixelHeight) canvas.height = pixelHeight;
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, rect.box.width, rect.box.height);
    if (!landmarks) return;
    const colour = { good: "#0b8a4a", fault: "#b45309", idle: "#475569" }[tone];
    const point = (index) => [
      rect.x + landmarks[index][0] * rect.width,
      rect.y + landmarks[index][1] * rect.height,
    ];
    context.lineWidth = 5;
    context.lineCap = "round";
    context.strokeStyle = colour;
    context.beginPath();
    for (const [a, b] of EDGES) {
      if (landmarks[a][2] < 0.3 || landmarks[b][2] < 0.3) continue;
      const [ax, ay] = point(a);
      const [bx, by] = point(b);
      context.moveTo(ax, ay);
      context.lineTo(bx, by);
    }
    context.stroke();
    context.fillStyle = "#ffffff";
    for (let index = 11; index < 33; index += 1) {
      if (landmarks[index][2] < 0.3) continue;
      const [x, y] = point(index);
      context.beginPath();
      context.arc(x, y, 4, 0, Math.PI * 2);
      context.fill();
      context.stroke();
    }
  }

  stop() {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.inFlight.clear();
  }
}

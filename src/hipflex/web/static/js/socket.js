// The live session's WebSocket: JSON commands out, JSON messages in, camera frames as binary
// (a 4-byte big-endian sequence number, then the JPEG).

export class LiveSocket {
  // `path`: the session's WebSocket on this page's own origin (the home app's, or the clinic's).
  constructor(onMessage, onClose, path = "/ws/session") {
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.path = path;
    this.ws = null;
  }

  connect() {
    return new Promise((resolve, reject) => {
      // wss on an HTTPS page (behind a proxy or with a certificate): ws would be mixed content.
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}${this.path}`);
      ws.binaryType = "arraybuffer";
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("could not connect")), { once: true });
      ws.addEventListener("message", (event) => {
        if (typeof event.data !== "string") return;
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        this.onMessage(message);
      });
      ws.addEventListener("close", (event) => this.onClose(event));
      this.ws = ws;
    });
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // Bytes queued but not yet sent: the camera waits rather than pile frames up.
  get buffered() {
    return this.ws ? this.ws.bufferedAmount : 0;
  }

  send(message) {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  // An already-serialised message; false when the socket is not open.
  sendText(text) {
    if (!this.open) return false;
    this.ws.send(text);
    return true;
  }

  sendFrame(seq, jpegBuffer) {
    if (!this.open) return false;
    const payload = new Uint8Array(4 + jpegBuffer.byteLength);
    new DataView(payload.buffer).setUint32(0, seq >>> 0, false);
    payload.set(new Uint8Array(jpegBuffer), 4);
    this.ws.send(payload.buffer);
    return true;
  }

  close() {
    if (this.ws) this.ws.close(1000);
  }
}

// Keeps the screen on while a session runs (Screen Wake Lock API, where the browser has it): a
// phone propped on the floor must not dim in the middle of a hold. The browser drops the lock
// when the page is hidden; it is asked for again when the page comes back, and released at the
// end. `state` is "on", "off" or "unavailable" (mirrored on the element given, for tests).

export class ScreenWakeLock {
  constructor(element) {
    this.element = element;
    this.sentinel = null;
    this.wanted = false;
    this.available = Boolean(navigator.wakeLock && typeof navigator.wakeLock.request === "function");
    this.setState(this.available ? "off" : "unavailable");
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        if (this.wanted) this.acquire();
      } else {
        this.drop();
      }
    });
  }

  setState(state) {
    this.state = state;
    this.element.dataset.wakeLock = state;
  }

  async keepOn() {
    this.wanted = true;
    await this.acquire();
  }

  async acquire() {
    if (!this.available || this.sentinel || document.visibilityState !== "visible") return;
    try {
      const sentinel = await navigator.wakeLock.request("screen");
      if (!this.wanted) {
        sentinel.release().catch(() => {});
        return;
      }
      this.sentinel = sentinel;
      sentinel.addEventListener("release", () => {
        if (this.sentinel === sentinel) this.sentinel = null;
        if (this.state === "on") this.setState("off");
      });
      this.setState("on");
    } catch {
      this.setState("off"); // refused (battery saver, no user gesture): the session goes on
    }
  }

  drop() {
    const sentinel = this.sentinel;
    this.sentinel = null;
    if (sentinel) sentinel.release().catch(() => {});
    if (this.available) this.setState("off");
  }

  release() {
    this.wanted = false;
    this.drop();
  }
}

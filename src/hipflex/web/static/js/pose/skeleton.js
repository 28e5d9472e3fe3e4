// Draws landmarks (normalised to the frame) as a skeleton over a video, in the overlay canvas.

export const EDGES = [
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
];
const MIN_VISIBILITY = 0.3;

export function drawSkeleton(canvas, widthPx, heightPx, landmarks) {
  if (canvas.width !== widthPx || canvas.height !== heightPx) {
    canvas.width = widthPx;
    canvas.height = heightPx;
  }
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, widthPx, heightPx);
  if (!landmarks) return;
  const point = (index) => [landmarks[index][0] * widthPx, landmarks[index][1] * heightPx];
  const seen = (index) => landmarks[index][3] >= MIN_VISIBILITY;
  g.lineWidth = Math.max(2, widthPx / 160);
  g.strokeStyle = "#34d399";
  g.beginPath();
  for (const [a, b] of EDGES) {
    if (!seen(a) || !seen(b)) continue;
    g.moveTo(...point(a));
    g.lineTo(...point(b));
  }
  g.stroke();
  g.fillStyle = "#fbbf24";
  for (let index = 11; index < landmarks.length; index += 1) {
    if (!seen(index)) continue;
    const [x, y] = point(index);
    g.beginPath();
    g.arc(x, y, g.lineWidth * 1.4, 0, 2 * Math.PI);
    g.fill();
  }
}

// A small BlurHash decoder (the algorithm of github.com/woltapp/blurhash, MIT): a hash of
// a few dozen characters becomes a blurred preview painted while the image loads.

const CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

function decode83(str) {
  let value = 0;
  for (const c of str) {
    const digit = CHARS.indexOf(c);
    if (digit < 0) throw new Error("invalid blurhash");
    value = value * 83 + digit;
  }
  return value;
}

function sRGBToLinear(value) {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

function linearTosRGB(value) {
  const v = Math.max(0, Math.min(1, value));
  return v <= 0.0031308 ? Math.trunc(v * 12.92 * 255 + 0.5) : Math.trunc((1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
}

const signPow = (value, exp) => Math.sign(value) * Math.pow(Math.abs(value), exp);

export function isValid(hash) {
  if (typeof hash !== "string" || hash.length < 6) return false;
  try {
    const size = decode83(hash[0]);
    return hash.length === 4 + 2 * ((size % 9) + 1) * (Math.floor(size / 9) + 1);
  } catch {
    return false;
  }
}

/** Decodes `hash` into width×height RGBA pixels. */
export function decode(hash, width, height, punch = 1) {
  if (!isValid(hash)) throw new Error("invalid blurhash");
  const size = decode83(hash[0]);
  const numY = Math.floor(size / 9) + 1;
  const numX = (size % 9) + 1;
  const maxValue = (decode83(hash[1]) + 1) / 166;
  const colors = new Array(numX * numY);
  const dc = decode83(hash.substring(2, 6));
  colors[0] = [sRGBToLinear(dc >> 16), sRGBToLinear((dc >> 8) & 255), sRGBToLinear(dc & 255)];
  for (let i = 1; i < colors.length; i++) {
    const value = decode83(hash.substring(4 + i * 2, 6 + i * 2));
    const q = (v) => signPow((v - 9) / 9, 2) * maxValue * punch;
    colors[i] = [q(Math.floor(value / (19 * 19))), q(Math.floor(value / 19) % 19), q(value % 19)];
  }
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < numY; j++) {
        const basisY = Math.cos((Math.PI * y * j) / height);
        for (let i = 0; i < numX; i++) {
          const basis = Math.cos((Math.PI * x * i) / width) * basisY;
          const color = colors[i + j * numX];
          r += color[0] * basis;
          g += color[1] * basis;
          b += color[2] * basis;
        }
      }
      const at = 4 * (x + y * width);
      pixels[at] = linearTosRGB(r);
      pixels[at + 1] = linearTosRGB(g);
      pixels[at + 2] = linearTosRGB(b);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}

/** A small canvas painted with the hash (CSS stretches it), or null for a bad hash. */
export function placeholderCanvas(hash, width = 32, height = 32) {
  if (!isValid(hash)) return null;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  image.data.set(decode(hash, width, height));
  ctx.putImageData(image, 0, 0);
  canvas.className = "blurhash";
  canvas.setAttribute("aria-hidden", "true");
  return canvas;
}

#!/bin/sh
# Renders the app icon from icon.svg with ffmpeg's librsvg decoder (Debian's ffmpeg has it):
# icon.png (512x512, Linux and macOS; electron-builder derives .icns from it), icons/NxN.png (the
# Linux icon set) and icon.ico (Windows: PNG-compressed entries, 16 to 256 px). Run from anywhere.
set -eu
cd "$(dirname "$0")"
render() { ffmpeg -hide_banner -loglevel error -y -c:v librsvg -width "$1" -height "$1" -i icon.svg -frames:v 1 -pix_fmt rgba "$2"; }
render 512 icon.png
mkdir -p icons ico.tmp
for n in 16 24 32 48 64 128 256 512; do render "$n" "icons/${n}x${n}.png"; done
for n in 16 24 32 48 64 128 256; do cp "icons/${n}x${n}.png" "ico.tmp/$n.png"; done
rm -f icons/24x24.png
node -e '
const fs = require("fs");
const sizes = [16, 24, 32, 48, 64, 128, 256];
const pngs = sizes.map((n) => fs.readFileSync(`ico.tmp/${n}.png`));
const head = Buffer.alloc(6 + 16 * sizes.length);
head.writeUInt16LE(0, 0); head.writeUInt16LE(1, 2); head.writeUInt16LE(sizes.length, 4);
let offset = head.length;
sizes.forEach((n, i) => {
  const e = 6 + 16 * i;
  head.writeUInt8(n % 256, e); head.writeUInt8(n % 256, e + 1); // 0 means 256
  head.writeUInt16LE(1, e + 4); head.writeUInt16LE(32, e + 6);
  head.writeUInt32LE(pngs[i].length, e + 8); head.writeUInt32LE(offset, e + 12);
  offset += pngs[i].length;
});
fs.writeFileSync("icon.ico", Buffer.concat([head, ...pngs]));
'
rm -rf ico.tmp

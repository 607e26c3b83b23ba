// A small file system of its own for disk-full tests: a tmpfs, or an ext4 loop file where tmpfs
// cannot be mounted. Both need root; the error says so rather than the test passing without it.
import fs from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'

/** Mounts a file system of `mb` megabytes on `dir` (which must exist); `scratch` holds a loop image if one is needed. */
export async function mountSmallDisk(
  dir: string,
  scratch: string,
  mb: number
): Promise<{ kind: 'tmpfs' | 'loop'; unmount: () => Promise<void> }> {
  const unmount = async () => {
    await execa('umount', [dir]).catch(() => execa('umount', ['-l', dir]))
  }
  const tmpfs = await execa('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir], {
    reject: false
  })
  if (tmpfs.exitCode === 0) return { kind: 'tmpfs', unmount }
  const image = path.join(scratch, 'disk.img')
  fs.writeFileSync(image, '')
  fs.truncateSync(image, mb * 1024 * 1024)
  await execa('mkfs.ext4', ['-q', '-F', image], { reject: false })
  const loop = await execa('mount', ['-o', 'loop', image, dir], { reject: false })
  if (loop.exitCode === 0) return { kind: 'loop', unmount }
  throw new Error(
    `this test needs to mount a small file system (run it as root): tmpfs: ${tmpfs.stderr.trim()}; loop: ${loop.stderr.trim()}`
  )
}

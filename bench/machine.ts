import { readFile, realpath } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";

/** The filesystem type `path` lives on, from the longest mount point in /proc/mounts that contains it. */
async function filesystemType(path: string): Promise<string> {
  const mounts = await readFile("/proc/mounts", "utf8").catch(() => null);
  if (!mounts) return "unknown";
  const real = await realpath(path).catch(() => path);
  let best = { point: "", type: "unknown" };
  for (const line of mounts.split("\n")) {
    const [, point, type] = line.split(" ");
    if (!point || !type) continue;
    const inside = real === point || real.startsWith(point.endsWith("/") ? point : `${point}/`);
    if (inside && point.length > best.point.length) best = { point, type };
  }
  return best.type;
}

/** One line naming what the figures were measured on, including how busy the machine already was. */
export async function describeMachine(paths: Readonly<Record<string, string>>): Promise<string> {
  const cpu = cpus();
  const filesystems = await Promise.all(
    Object.entries(paths).map(async ([label, path]) => `${label} ${await filesystemType(path)}`),
  );
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return [
    `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores`,
    `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
    `Node ${process.version}`,
    `${process.platform}/${process.arch}`,
    `filesystems: ${filesystems.join(", ")}`,
    `load average at start ${load}`,
  ].join("; ");
}

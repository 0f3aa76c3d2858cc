// Small helpers for files and processes the agent owns (pid files, atomic writes).
import fs from 'node:fs';

export function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function writeAtomic(tmp: string, target: string, content: string): void {
  fs.writeFileSync(tmp, content, { mode: 0o644 });
  fs.renameSync(tmp, target);
}

/** A pid from a pid file, if that process is alive and its command line mentions `marker`. */
export function livePid(pidFile: string, marker: string): number | null {
  const text = readText(pidFile);
  const pid = text ? Number(text.trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const cmdline = readText(`/proc/${pid}/cmdline`);
  if (!cmdline || !cmdline.includes(marker)) return null;
  return pid;
}

export async function killAndWait(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    if (!fs.existsSync(`/proc/${pid}`) || /State:\s+Z/.test(readText(`/proc/${pid}/status`) ?? '')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

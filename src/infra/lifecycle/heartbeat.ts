import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The worker's liveness file: touched while its event loop runs (it has no HTTP port to probe). */
export const HEARTBEAT_FILE = path.join(os.tmpdir(), 'huntzen-worker.alive');
const EVERY_MS = 10_000;

/**
 * Liveness of a process without HTTP: the Docker HEALTHCHECK and the Kubernetes livenessProbe of the
 * worker check that this file is younger than a minute. A process signal, not a job (jobs are BullMQ's).
 */
export function startHeartbeat(file = HEARTBEAT_FILE): void {
  const beat = () => {
    try {
      fs.writeFileSync(file, `${Date.now()}\n`);
    } catch {
      // a read-only /tmp: the probe then reports it
    }
  };
  beat();
  setInterval(beat, EVERY_MS).unref();
}

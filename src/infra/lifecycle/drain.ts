import type { INestApplicationContext } from '@nestjs/common';
import type { Server as HttpServer } from 'node:http';
import net from 'node:net';
import os from 'node:os';

/** The X-Instance-Id of this process (INSTANCE_ID, else the host name: the pod name under Kubernetes). */
export function instanceId(): string {
  return process.env.INSTANCE_ID || os.hostname();
}

let draining = false;

/** True from SIGTERM on: readiness answers 503 so load balancers stop sending new work here. */
export function isDraining(): boolean {
  return draining;
}

/** Express middleware: names the instance; while draining, asks the client (the proxy) to close the connection after the response. */
export function instanceHeaders(_req: unknown, res: { setHeader(k: string, v: string): void }, next: () => void): void {
  res.setHeader('X-Instance-Id', instanceId());
  if (draining) res.setHeader('Connection', 'close');
  next();
}

/**
 * First step of an api's SIGTERM, before `app.close()`: stop accepting connections (a proxy that then
 * connects gets "refused" and retries another instance, POST included, since nothing was sent), keep
 * the open ones (keep-alive connections of the proxy) answering with `Connection: close`, and wait
 * until the proxy has closed them or `maxMs` has passed. Closing an idle keep-alive connection
 * ourselves races with the proxy sending a request on it, which it may not retry (a POST): the proxy's
 * upstream keep-alive timeout (nginx/: 4 s) is shorter than SHUTDOWN_DRAIN_MS, so it closes first.
 */
export async function drainHttp(app: INestApplicationContext, maxMs: number): Promise<void> {
  draining = true;
  const server = (app as { getHttpServer?: () => HttpServer }).getHttpServer?.();
  if (!server || !server.listening) return;
  // net.Server#close: stops listening only (http.Server#close would also cut idle keep-alive connections)
  const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
  clearTimeout(timer);
}

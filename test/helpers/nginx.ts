// nginx from Debian as a process of the test's own (own prefix, pid, temp and log paths; never the
// system nginx), running the repository's api configuration: nginx/templates/huntzen-upstreams.conf.template
// (rendered like the nginx image's envsubst does for compose) and nginx/huntzen/api-locations.conf.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** envsubst as the nginx image runs it: only the given variables are replaced; an `${HZ_…}` left over is an error. */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  const out = text.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => (name in vars ? vars[name] : whole));
  const left = /\$\{(HZ_[A-Z0-9_]+)\}/.exec(out);
  if (left) throw new Error(`nginx template variable ${left[1]} is not set`);
  return out;
}

export interface Nginx {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  errorLog(): string;
}

/** Starts nginx on 127.0.0.1:`port` in front of api instances (REST ports, Socket.IO ports). */
export async function startNginx(opts: { port: number; restPorts: number[]; wsPorts: number[]; dir: string }): Promise<Nginx> {
  const services = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'services.mjs')).href)) as { ensureNginx(): Promise<string> };
  const bin = await services.ensureNginx();
  const dir = opts.dir;
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ['conf', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const server = (p: number) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`;
  const upstreams = renderTemplate(fs.readFileSync(path.join(ROOT, 'nginx', 'templates', 'huntzen-upstreams.conf.template'), 'utf8'), {
    HZ_API_REST_SERVERS: opts.restPorts.map(server).join(' '),
    HZ_API_WS_SERVERS: opts.wsPorts.map(server).join(' '),
  });
  fs.writeFileSync(path.join(dir, 'conf', 'huntzen-upstreams.conf'), upstreams);
  const tmp = (name: string) => path.join(dir, 'tmp', name);
  // the edge part differs from compose (no TLS, no Jitsi, loopback port); the api part is the same files
  // as root, workers would run as "nobody", which cannot write the temp paths under .data/
  const main = `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${path.join(dir, 'logs', 'access.log')};
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  include ${path.join(dir, 'conf', 'huntzen-upstreams.conf')};
  server {
    listen 127.0.0.1:${opts.port};
    include ${path.join(ROOT, 'nginx', 'huntzen', 'api-locations.conf')};
  }
}
`;
  const conf = path.join(dir, 'conf', 'nginx.conf');
  fs.writeFileSync(conf, main);
  const check = spawnSync(bin, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
  const child = spawn(bin, ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`${url}/nope`).then((r) => r.status === 404, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port: opts.port,
    dir,
    errorLog: () => fs.readFileSync(path.join(dir, 'logs', 'error.log'), 'utf8'),
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT'); // graceful shutdown of nginx
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// deploy/k8s (kustomize), checked offline: rendered with `kubectl kustomize` when kubectl is installed
// and always with renderKustomization() (test/helpers/kustomize.ts, the subset of kustomize these
// manifests use; both renderings must agree when both run), then every object validated against the
// Kubernetes OpenAPI schemas (kubernetes-models) and against the deployment rules of issue 13.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKustomization, type K8sObject } from '../helpers/kustomize.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIR = path.join(ROOT, 'deploy', 'k8s');

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;

const key = (o: K8sObject) => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const sorted = (objs: K8sObject[]) => [...objs].sort((a, b) => key(a).localeCompare(key(b)));

const rendered = renderKustomization(DIR);
const byKind = (kind: string) => rendered.filter((o) => o.kind === kind);
const one = (kind: string, name: string) => {
  const found = rendered.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not rendered`);
  return found as any;
};

/** The kubernetes-models class of an object (e.g. apps/v1 Deployment), whose validate() applies the schema. */
async function modelOf(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod = await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`);
  const Model = mod[o.kind];
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return Model;
}

describe('deploy/k8s', () => {
  it('renders with kubectl kustomize exactly as with the built-in renderer (when kubectl is installed)', () => {
    if (!hasKubectl) {
      console.log('[k8s] kubectl is not installed: rendered with test/helpers/kustomize.ts only');
      return;
    }
    const out = spawnSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const fromKubectl = parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject);
    expect(sorted(fromKubectl)).toEqual(sorted(rendered));
  });

  it('every object validates against the Kubernetes schemas', async () => {
    expect(rendered.length).toBeGreaterThanOrEqual(14);
    const problems: string[] = [];
    for (const o of rendered) {
      try {
        new (await modelOf(o))(o).validate();
      } catch (e) {
        problems.push(`${key(o)}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the validation can fail: a wrongly typed or misspelt field is refused', async () => {
    const api = structuredClone(one('Deployment', 'huntzen-api'));
    api.spec.replicas = 'two';
    const Model = await modelOf(api);
    expect(() => new Model(api).validate()).toThrow();
    const probe = structuredClone(one('Deployment', 'huntzen-api'));
    probe.spec.template.spec.containers[0].readinessProbe.httpGet.port = { name: 'http' };
    expect(() => new Model(probe).validate()).toThrow();
  });

  it('everything lands in the huntzen namespace; no Secret is inlined, the Secrets are referenced', () => {
    for (const o of rendered.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, key(o)).toBe('huntzen');
    expect(byKind('Secret')).toEqual([]);
    const text = JSON.stringify(rendered);
    expect(text).not.toMatch(/postgres(ql)?:\/\/[^"]*:[^"]*@/); // no URL with a password
    for (const name of ['huntzen-api', 'huntzen-worker']) {
      const c = one('Deployment', name).spec.template.spec.containers[0];
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'huntzen-secrets' } });
    }
  });

  it('the api: readiness /health/ready, liveness /health, rolling update without unavailability, HPA and PDB on it', () => {
    const api = one('Deployment', 'huntzen-api');
    const c = api.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(c.env).toContainEqual({ name: 'RUN_MIGRATIONS', value: 'false' });
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    const hpa = one('HorizontalPodAutoscaler', 'huntzen-api');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'huntzen-api' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = one('PodDisruptionBudget', 'huntzen-api');
    expect(api.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    const service = one('Service', 'huntzen-api');
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    // graceful stop fits: preStop + SHUTDOWN_GRACE_MS < terminationGracePeriodSeconds
    const config = one('ConfigMap', 'huntzen-config').data;
    expect(5 + Number(config.SHUTDOWN_GRACE_MS) / 1000).toBeLessThan(api.spec.template.spec.terminationGracePeriodSeconds);
  });

  it('every pod runs as non-root, without privilege escalation, read-only root, with resource requests', () => {
    const pods = [...byKind('Deployment'), ...byKind('Job')].map((o: any) => ({ name: o.metadata.name, spec: o.spec.template.spec }));
    expect(pods.map((p) => p.name).sort()).toEqual(['huntzen-api', 'huntzen-migrate', 'huntzen-worker']);
    for (const { name, spec } of pods) {
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext.runAsUser, name).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, name).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext, name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests.cpu, name).toBeTruthy();
        expect(c.resources.requests.memory, name).toBeTruthy();
        expect(c.image, name).toMatch(/^huntzen\/(api|worker):\d/);
      }
    }
  });

  it('the migration Job runs as the owner role, from a Secret only it mounts', () => {
    const job = one('Job', 'huntzen-migrate');
    const c = job.spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: 'RUN_MIGRATIONS', value: 'true' });
    expect(c.env).toContainEqual({ name: 'MIGRATE_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'huntzen-db-owner', key: 'MIGRATE_DATABASE_URL' } } });
    const others = JSON.stringify([one('Deployment', 'huntzen-api'), one('Deployment', 'huntzen-worker')]);
    expect(others).not.toContain('huntzen-db-owner');
  });

  it('Ingress (ingress-nginx): sticky, long-lived Socket.IO on the ws port; REST not sticky, retried on another pod', () => {
    const rest = one('Ingress', 'huntzen-api');
    const sockets = one('Ingress', 'huntzen-sockets');
    expect(rest.spec.ingressClassName).toBe('nginx');
    expect(rest.metadata.annotations['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
    expect(rest.metadata.annotations['nginx.ingress.kubernetes.io/proxy-next-upstream']).toMatch(/error/);
    expect(sockets.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/affinity': 'cookie', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600' });
    const path0 = sockets.spec.rules[0].http.paths[0];
    expect([path0.path, path0.backend.service.port.name]).toEqual(['/socket.io/', 'ws']);
    for (const ing of [rest, sockets]) expect(ing.spec.tls[0].secretName).toBe('huntzen-tls');
  });

  it('NetworkPolicy: default deny, the api reachable from the ingress controller only', () => {
    const deny = one('NetworkPolicy', 'default-deny');
    expect(deny.spec).toMatchObject({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const api = one('NetworkPolicy', 'huntzen-api-ingress');
    expect(api.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    // the egress rule selects the pods by the label kustomize puts on every pod template
    const egress = one('NetworkPolicy', 'huntzen-egress');
    for (const name of ['huntzen-api', 'huntzen-worker']) expect(one('Deployment', name).spec.template.metadata.labels).toMatchObject(egress.spec.podSelector.matchLabels);
  });
});

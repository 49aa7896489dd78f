// The subset of kustomize that deploy/k8s/kustomization.yaml uses, for machines without kubectl:
// `resources` (files), `namespace`, `labels` (pairs, includeSelectors: false, includeTemplates) and
// `images` (newName/newTag). Anything else in the kustomization is refused, so the manifests cannot
// silently outgrow it; where kubectl exists the test also renders with `kubectl kustomize` and
// requires the same objects.
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'IngressClass', 'PriorityClass']);
/** Kinds whose pod template gets the labels when includeTemplates is set (path to the template metadata). */
const TEMPLATES: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export function renderKustomization(dir: string): K8sObject[] {
  const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  const unknown = Object.keys(k).filter((f) => !SUPPORTED.has(f));
  if (unknown.length) throw new Error(`kustomization fields not supported by this renderer: ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const file of k.resources ?? []) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const o = doc.toJS();
      if (o) objects.push(o);
    }
  }
  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const entry of k.labels ?? []) {
      if (entry.includeSelectors) throw new Error('labels.includeSelectors is not supported by this renderer');
      o.metadata.labels = { ...o.metadata.labels, ...entry.pairs };
      const at = TEMPLATES[o.kind];
      if (entry.includeTemplates && at) {
        const template = at.reduce((node: any, p) => node?.[p], o);
        if (template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...entry.pairs } };
      }
    }
    for (const c of containersOf(o)) {
      const [name, tag] = splitImage(c.image);
      const rule = (k.images ?? []).find((i: any) => i.name === name);
      if (rule) c.image = `${rule.newName ?? name}${rule.newTag ? `:${rule.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }
  return objects;
}

function containersOf(o: K8sObject): { image: string }[] {
  const at = TEMPLATES[o.kind];
  if (!at) return [];
  const spec = at.reduce((node: any, p) => node?.[p], o)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

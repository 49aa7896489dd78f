import type { RequestContext } from '../../common/context/request-context.service.js';
import { AppConfig } from '../../config/app-config.service.js';
import type { TenantPrisma } from '../prisma/tenant-prisma.service.js';
import { EnvelopeCrypto } from './envelope-crypto.service.js';
import { SubjectKeys } from './subject-keys.service.js';

const crypto = new EnvelopeCrypto({ get: (k: string) => ({ ENCRYPTION_KEYS: `v1:${'11'.repeat(32)}` })[k] } as unknown as AppConfig);
const KEY_TTL_MS = 30_000;

/** SubjectKeys over a fake subject_keys table whose reads the test counts and settles by hand. */
function setup(opts: { inRequestTransaction?: boolean } = {}) {
  const { key, stored } = crypto.newSubjectKey('s1');
  let rows = [{ subjectId: 's1', ...stored }];
  const reads: (() => void)[] = [];
  const findMany = vi.fn(() => new Promise<typeof rows>((resolve) => reads.push(() => resolve(rows))));
  const tenant = { db: { subjectKey: { findMany } }, inRequestTransaction: !!opts.inRequestTransaction } as unknown as TenantPrisma;
  const ctx = { identity: { userId: 'reader' } } as unknown as RequestContext;
  const keys = new SubjectKeys(tenant, crypto, ctx);
  return { keys, key, findMany, reads, erase: () => (rows = []) };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('SubjectKeys cache: one read at a time per reader and subjects, refreshed ahead of expiry', () => {
  const T = Date.UTC(2030, 0, 1);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
  });
  afterEach(() => vi.useRealTimers());

  it('a burst of messages that all find the key missing share one read', async () => {
    const { keys, key, findMany, reads } = setup();
    const rings = Array.from({ length: 20 }, () => keys.ring(['s1']));
    await settle();
    expect(findMany).toHaveBeenCalledTimes(1);
    reads[0]();
    for (const ring of await Promise.all(rings)) expect(ring.wrapping('s1')?.key.equals(key)).toBe(true);
    expect(keys.holds('s1')).toBe(true);
  });

  it('past half its life the key is used at once and read again in the background; erased meanwhile, it is dropped', async () => {
    const { keys, findMany, reads, erase } = setup();
    const first = keys.ring(['s1']);
    await settle();
    reads[0]();
    await first;
    vi.setSystemTime(T + KEY_TTL_MS / 2);
    // answered from the cache without waiting for the database
    const ring = await keys.ring(['s1']);
    expect(ring.wrapping('s1')).toBeDefined();
    await keys.ring(['s1']);
    expect(findMany).toHaveBeenCalledTimes(2); // one background read for both
    erase();
    reads[1]();
    await settle();
    expect(keys.holds('s1')).toBe(false);
  });

  it('the background read keeps a live key fresh past its first expiry', async () => {
    const { keys, findMany, reads } = setup();
    const first = keys.ring(['s1']);
    await settle();
    reads[0]();
    await first;
    vi.setSystemTime(T + KEY_TTL_MS / 2);
    await keys.ring(['s1']);
    reads[1]();
    await settle();
    vi.setSystemTime(T + KEY_TTL_MS + 1);
    expect(keys.holds('s1')).toBe(true);
    expect(findMany).toHaveBeenCalledTimes(2);
  });

  it('an erasure during a read in flight: what that read found is not cached', async () => {
    const { keys, reads } = setup();
    const ring = keys.ring(['s1']);
    await settle();
    keys.forget('s1');
    reads[0]();
    // neither the ring that waited for it nor the cache gets the key
    expect((await ring).wrapping('s1')).toBeUndefined();
    expect(keys.holds('s1')).toBe(false);
  });

  it('inside a request transaction nothing is cached nor shared: each ring reads', async () => {
    const { keys, findMany, reads } = setup({ inRequestTransaction: true });
    const a = keys.ring(['s1']);
    const b = keys.ring(['s1']);
    await settle();
    expect(findMany).toHaveBeenCalledTimes(2);
    reads.forEach((read) => read());
    await Promise.all([a, b]);
    expect(keys.holds('s1')).toBe(false);
  });
});

import { generateSchemaTypes } from '../../clients/typescript/scripts/generate.mjs';
import { startTestApp, TestContext } from '../helpers/test-app.js';

/**
 * The typed client shipped in clients/typescript is generated from the document a freshly booted app
 * serves. Any drift (a route or DTO changed without regenerating) fails here: run `npm run client:generate`
 * (this file with --update) and commit clients/typescript/openapi.json and src/schema.ts.
 */
describe('TypeScript client (clients/typescript) matches the running app', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('has the committed OpenAPI document and generated types', async () => {
    const doc = (await t.http.get('/api/docs-json').expect(200)).body as Record<string, unknown>;
    await expect(JSON.stringify(doc, null, 2) + '\n').toMatchFileSnapshot('../../clients/typescript/openapi.json');
    await expect(await generateSchemaTypes(doc)).toMatchFileSnapshot('../../clients/typescript/src/schema.ts');
  });
});

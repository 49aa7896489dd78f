/** The TypeScript declarations of `document` (an OpenAPI 3 object), as committed in src/schema.ts. */
export declare function generateSchemaTypes(document: Record<string, unknown>): Promise<string>;

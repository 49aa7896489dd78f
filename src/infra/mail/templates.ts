/**
 * The registry of e-mail templates (FR), one file per area under ./templates. A template takes only
 * non-sensitive data — names and links. Nothing clinical, no reasons, no message text ever goes into
 * an e-mail (SPEC §8.2). To add an area: write `templates/<area>.templates.ts` and spread it below.
 */
import { authTemplates } from './templates/auth.templates.js';
import { chatTemplates } from './templates/chat.templates.js';
import { consultationTemplates } from './templates/consultation.templates.js';
import { contentTemplates } from './templates/content.templates.js';
import { directoryTemplates } from './templates/directory.templates.js';
import { privacyTemplates } from './templates/privacy.templates.js';
import type { RenderedMail, RenderOptions } from './templates/layout.js';

export type { RenderedMail, RenderOptions } from './templates/layout.js';

export const templates = {
  ...authTemplates,
  ...consultationTemplates,
  ...contentTemplates,
  ...directoryTemplates,
  ...chatTemplates,
  ...privacyTemplates,
};

type Registry = typeof templates;
export type TemplateName = keyof Registry;
export type TemplateData = { [K in TemplateName]: Parameters<Registry[K]>[0] };

export function render<K extends TemplateName>(name: K, data: TemplateData[K], options: RenderOptions = {}): RenderedMail {
  return (templates[name] as (d: TemplateData[K], o: RenderOptions) => RenderedMail)(data, options);
}
